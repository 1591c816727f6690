#!/usr/bin/env python3
"""Writes the committed seed corpora of the fuzz targets (fuzz/seeds/<target>/): run from the
repository root after an admin API route or request type changes (the admin seeds are built
from docs/openapi.json). The long runs of scripts/fuzz grow their own corpora from these."""
import hashlib
import json
import os
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEEDS = os.path.join(ROOT, "fuzz", "seeds")
CORP_ID = "ww1436e0e65a779aee"
CUSTOMER = "wmFuzzCustomer00000000000000aa"

# fuzz/targets/src/admin.rs ROUTES, in order (the first byte of an input picks one).
ROUTES = [
    ("PATCH", "/api/staff/{userid}"),
    ("PUT", "/api/config"),
    ("POST", "/api/config/test"),
    ("POST", "/api/callback-logs/{id}/replay"),
    ("POST", "/api/sync"),
    ("PATCH", "/api/customers/{external_userid}"),
    ("POST", "/api/customers/{external_userid}/sync"),
    ("POST", "/api/customers/{external_userid}/tags"),
    ("POST", "/api/appointments"),
    ("POST", "/api/purchases"),
    ("POST", "/api/tags"),
    ("PATCH", "/api/tags/{id}"),
    ("POST", "/api/stats/rebuild"),
    ("POST", "/api/contact-ways"),
    ("PATCH", "/api/contact-ways/{config_id}"),
    ("POST", "/api/campaigns"),
    ("POST", "/api/campaigns/preview"),
    ("POST", "/api/campaigns/{id}/cancel"),
    ("POST", "/api/campaigns/{id}/remind"),
    ("POST", "/api/media"),
    ("POST", "/api/messages"),
    ("POST", "/api/automations"),
    ("PATCH", "/api/automations/{id}"),
    ("POST", "/api/automations/{id}/run"),
    ("POST", "/api/dead-letters/{id}/replay"),
    ("PATCH", "/api/customers/{external_userid}"),
    ("PATCH", "/api/staff/{userid}"),
    ("POST", "/api/customers/{external_userid}/tags"),
]

MESSAGES = [
    "<xml><ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_contact]]></Event><ChangeType><![CDATA[add_external_contact]]></ChangeType><UserID><![CDATA[zhangsan]]></UserID><ExternalUserID><![CDATA[wmQ2]]></ExternalUserID><State><![CDATA[s]]></State><WelcomeCode><![CDATA[WC]]></WelcomeCode></xml>",
    "<xml><ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_contact]]></Event><ChangeType><![CDATA[del_follow_user]]></ChangeType><UserID><![CDATA[lisi]]></UserID><ExternalUserID><![CDATA[wmQ2]]></ExternalUserID></xml>",
    "<xml><ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_tag]]></Event><Id><![CDATA[etTag]]></Id><TagType><![CDATA[tag]]></TagType><ChangeType><![CDATA[create]]></ChangeType></xml>",
    "<xml><ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_chat]]></Event><ChatId><![CDATA[wrChat]]></ChatId><ChangeType><![CDATA[update]]></ChangeType><UpdateDetail><![CDATA[add_member]]></UpdateDetail><MemChangeList><Item>a</Item><Item>b</Item></MemChangeList></xml>",
    "<xml><ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好]]></Content><MsgId>1234567890</MsgId><AgentID>1000002</AgentID></xml>",
    "\ufeff<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<!-- hi -->\n<xml xmlns:a=\"u\">\n\t<a:A b=\"&lt;\" c='&#x41;'>1\r\n2 &amp; &#20320; &quot;</a:A>\n\t<Content><![CDATA[a]]]]><![CDATA[>b]]></Content>\n\t<E/>\n</xml>\n",
    "<xml><MemChangeList><Item><![CDATA[a]]></Item><Item>b</Item><G><Item/><Item>c</Item></G></MemChangeList>text<Z>z</Z></xml>",
    "<!DOCTYPE xml [<!ENTITY e \"x\">]><xml><A>&e;</A></xml>",
    "<xml><A><![CDATA[<!-- ]]>--><?pi?><!ENTITY x></A><B>&amp;&#x3C;</B><!-- c --></xml>",
    "<xml><ToUserName>ww1</ToUserName><AgentID>1000002</AgentID><Encrypt><![CDATA[RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3Q==]]></Encrypt></xml>",
]


def write(target, name, data):
    folder = os.path.join(SEEDS, target)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    digest = hashlib.sha1(data).hexdigest()[:12]
    with open(os.path.join(folder, f"{name}-{digest}"), "wb") as f:
        f.write(data)


def pkcs7(data, block=32):
    pad = block - len(data) % block
    return data + bytes([pad]) * pad


def callback_seeds():
    for i, msg in enumerate(MESSAGES):
        write("xml_reader", f"doc{i}", msg)
        write("callback", f"sealed{i}", b"\x03" + msg.encode())
        raw = bytes(range(16)) + struct.pack(">I", len(msg.encode())) + msg.encode() + CORP_ID.encode()
        write("callback", f"plain{i}", b"\x02" + pkcs7(raw))
    write("callback", "plain-wrong-receiveid", b"\x02" + pkcs7(bytes(16) + struct.pack(">I", 3) + b"<x>" + b"wwOther"))
    write("callback", "plain-bad-length", b"\x02" + pkcs7(bytes(16) + struct.pack(">I", 4000) + b"<x>" + CORP_ID.encode()))
    write("callback", "encrypt-b64", b"\x01" + b"RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3Q==")
    write("callback", "envelope", b"\x00" + MESSAGES[-1].encode())


def instance(schema, components, depth=0, full=True):
    if "$ref" in schema:
        return instance(components[schema["$ref"].split("/")[-1]], components, depth, full)
    for key in ("oneOf", "anyOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return instance(options[0], components, depth, full) if options else None
    if "allOf" in schema:
        out = {}
        for part in schema["allOf"]:
            value = instance(part, components, depth, full)
            if isinstance(value, dict):
                out.update(value)
        return out
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in schema:
        if depth > 4:
            return {}
        required = set(schema.get("required", []))
        return {
            name: instance(prop, components, depth + 1, full)
            for name, prop in schema.get("properties", {}).items()
            if full or name in required
        }
    if kind == "array":
        return [instance(schema.get("items", {}), components, depth + 1, full)] if full else []
    if kind == "integer":
        return max(schema.get("minimum", 1), 1)
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if kind == "string":
        if schema.get("format") == "date-time":
            return "2026-12-01T10:00:00+08:00"
        return "zhangsan"
    return None


def admin_seeds():
    doc = json.load(open(os.path.join(ROOT, "docs", "openapi.json")))
    components = doc.get("components", {}).get("schemas", {})
    for index, (method, path) in enumerate(ROUTES):
        op = doc["paths"].get(path, {}).get(method.lower(), {})
        schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        bodies = [b"", b"{}"]
        if schema:
            for full in (False, True):
                body = instance(schema, components, full=full)
                text = json.dumps(body, ensure_ascii=False).replace('"zhangsan"', '"zhangsan"')
                bodies.append(text.encode())
        for n, body in enumerate(bodies):
            write("admin_api", f"route{index:02}-{n}", bytes([index]) + body)
    # A few bodies as the console sends them.
    hand = {
        0: {"display_name": "张医生"},
        5: {"tier": "A", "phone": "13800000000", "notes": "老客户", "birthday": "1990-05-01"},
        8: {"external_userid": CUSTOMER, "scheduled_at_ms": 1795939200000, "item": "水光针", "notes": "下午"},
        9: {"external_userid": CUSTOMER, "amount_fen": 128000, "item": "水光针", "purchased_at_ms": 1795852800000, "order_id": "o-1"},
        10: {"group_name": "客户等级", "tag": [{"name": "A类"}]},
        13: {"type": 1, "scene": 2, "state": "xhs_post_1", "user": ["zhangsan"], "remark": "小红书"},
    }
    for index, body in hand.items():
        write("admin_api", f"route{index:02}-hand", bytes([index]) + json.dumps(body, ensure_ascii=False).encode())


callback_seeds()
admin_seeds()
