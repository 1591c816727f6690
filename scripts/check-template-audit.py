#!/usr/bin/env python3
"""No function of the stack may delete or rewrite an audit entry (issue 13).

Run by ./scripts/test with cfn-lint's template decoder. Fails when template.yaml:

- lacks the AuditLogProtectionPolicy managed policy, or it no longer denies DeleteItem,
  UpdateItem and BatchWriteItem on the table under `ForAnyValue:StringLike` on
  `dynamodb:LeadingKeys` (ForAllValues would let a batch mixing audit and other keys through);
- names partition keys in that condition that miss the audit keys of shared/crm/src/keys.rs
  (`AUDIT_PK`, `AUDIT_HEAD_PK`), or that also match another key the code writes;
- has a function (AWS::Serverless::Function or AWS::Lambda::Function) whose policies do not
  include it.

    .venv/bin/python scripts/check-template-audit.py [template.yaml]
"""

import re
import sys
from fnmatch import fnmatchcase
from pathlib import Path

from cfnlint.decode import decode

POLICY = "AuditLogProtectionPolicy"
DENIED = {"dynamodb:DeleteItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"}
KEYS_RS = Path(__file__).resolve().parent.parent / "shared/crm/src/keys.rs"


def fail(problems):
    for p in problems:
        print(f"check-template-audit: {p}", file=sys.stderr)
    sys.exit(1)


def as_list(value):
    return value if isinstance(value, list) else [value]


def iam_like(pattern, value):
    """IAM StringLike: `*` any run of characters, `?` one character, nothing else special."""
    return fnmatchcase(value, pattern.replace("[", "[[]"))


def audit_keys_and_others():
    """The audit partition keys of keys.rs, and every other key literal it builds."""
    text = KEYS_RS.read_text(encoding="utf-8")
    consts = dict(re.findall(r'pub const (AUDIT\w*_PK): &str = "([^"]+)";', text))
    missing = {"AUDIT_PK", "AUDIT_HEAD_PK"} - consts.keys()
    if missing:
        fail([f"{KEYS_RS.name} has no {', '.join(sorted(missing))}"])
    audit = set(consts.values())
    # Every string literal, placeholders filled: what partition keys the code can write.
    literals = {
        re.sub(r"\{[^}]*\}", "x", lit)
        for lit in re.findall(r'"([^"\\]*)"', text)
    }
    return audit, literals - audit


def main(path):
    template = decode(path)[0]
    if template is None:
        fail([f"{path} could not be read"])
    resources = template.get("Resources", {})
    problems = []

    policy = resources.get(POLICY)
    if not policy or policy.get("Type") != "AWS::IAM::ManagedPolicy":
        fail([f"{POLICY} (AWS::IAM::ManagedPolicy) is missing"])
    patterns = []
    denied = set()
    for statement in as_list(policy["Properties"]["PolicyDocument"]["Statement"]):
        if statement.get("Effect") != "Deny":
            continue
        if statement.get("Resource") != {"Fn::GetAtt": ["Table", "Arn"]}:
            problems.append(f"{POLICY}: a Deny statement is not on the table")
            continue
        condition = statement.get("Condition", {})
        if any(op.startswith("ForAllValues") for op in condition):
            problems.append(f"{POLICY}: ForAllValues in a Deny lets mixed batches through")
        keys = condition.get("ForAnyValue:StringLike", {}).get("dynamodb:LeadingKeys")
        if keys is None:
            problems.append(f"{POLICY}: a Deny statement has no ForAnyValue:StringLike on dynamodb:LeadingKeys")
            continue
        patterns += as_list(keys)
        denied |= set(as_list(statement.get("Action", [])))
    if DENIED - denied:
        problems.append(f"{POLICY}: does not deny {', '.join(sorted(DENIED - denied))} on the audit keys")

    audit, others = audit_keys_and_others()
    for key in sorted(audit):
        if not any(iam_like(p, key) for p in patterns):
            problems.append(f"{POLICY}: audit partition {key!r} ({KEYS_RS.name}) is not named")
        if not any(iam_like(p, key + "#x") for p in patterns) and key == min(audit):
            # The prefix rule the keys follow: every audit partition is AUDIT or AUDIT#….
            problems.append(f"{POLICY}: partitions under {key}# are not named")
    for key in sorted(others):
        if any(iam_like(p, key) for p in patterns):
            problems.append(f"{POLICY}: {patterns} also matches {key!r}, which is not an audit key")

    for name, resource in resources.items():
        kind = resource.get("Type")
        if kind == "AWS::Serverless::Function":
            policies = as_list(resource.get("Properties", {}).get("Policies", []))
            if {"Ref": POLICY} not in policies:
                problems.append(f"{name}: its policies do not include {POLICY}")
        elif kind == "AWS::Lambda::Function":
            problems.append(f"{name}: a plain Lambda function; attach {POLICY} to its role and teach this check")

    if problems:
        fail(problems)
    print(f"check-template-audit: {path}: every function is denied deleting or rewriting audit entries")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "template.yaml")
