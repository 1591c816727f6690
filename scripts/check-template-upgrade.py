#!/usr/bin/env python3
"""Upgrading a running stack keeps every table item and every message in flight.

CloudFormation replaces a resource when its logical id disappears or a property that cannot be
updated changes; for the table, the queues, the staff user pool, the log groups and the egress IP
that would lose data (or the IP WeCom trusts). This check, run by ./scripts/test with cfn-lint's
template decoder, fails when template.yaml:

- drops or renames a stateful resource that released stacks have (STATEFUL below), or changes its
  type;
- gives a stateful resource a fixed physical name (a replacement would then fail on the name,
  and a rename would replace it) or changes the table's keys or a queue's FIFO-ness, all of which
  force a replacement;
- declares a stateful resource without DeletionPolicy and UpdateReplacePolicy Retain.

    .venv/bin/python scripts/check-template-upgrade.py [template.yaml]
"""

import sys

from cfnlint.decode import decode

# Stateful resources of released stacks: logical id -> type. Add new ones; never remove one.
STATEFUL = {
    "Table": "AWS::DynamoDB::Table",
    "EventsQueue": "AWS::SQS::Queue",
    "EventsDeadLetterQueue": "AWS::SQS::Queue",
    "SyncQueue": "AWS::SQS::Queue",
    "SyncDeadLetterQueue": "AWS::SQS::Queue",
    "CampaignQueue": "AWS::SQS::Queue",
    "CampaignDeadLetterQueue": "AWS::SQS::Queue",
    "SendQueue": "AWS::SQS::Queue",
    "SendDeadLetterQueue": "AWS::SQS::Queue",
    "AsyncFailureQueue": "AWS::SQS::Queue",
    "StaffUserPool": "AWS::Cognito::UserPool",
    "EgressIp": "AWS::EC2::EIP",
}
STATEFUL_TYPES = {
    "AWS::DynamoDB::Table",
    "AWS::SQS::Queue",
    "AWS::Cognito::UserPool",
    "AWS::Logs::LogGroup",
    "AWS::EC2::EIP",
}
# Properties whose change replaces the resource (a fixed name included).
PINNED = {
    "AWS::DynamoDB::Table": {
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ]
    },
}
NO_FIXED_NAME = {
    "AWS::DynamoDB::Table": "TableName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::Logs::LogGroup": None,  # named after its function; a rename is caught by the id check
}
NOT_FIFO = {"AWS::SQS::Queue": "FifoQueue"}


def problems(resources: dict) -> list[str]:
    found = []
    for logical_id, kind in STATEFUL.items():
        resource = resources.get(logical_id)
        if resource is None:
            found.append(f"{logical_id} ({kind}) is gone: released stacks would delete or orphan it")
        elif resource.get("Type") != kind:
            found.append(f"{logical_id} changed type to {resource.get('Type')}: it would be replaced")
    for logical_id, resource in resources.items():
        kind = resource.get("Type")
        if kind not in STATEFUL_TYPES:
            continue
        for policy in ("DeletionPolicy", "UpdateReplacePolicy"):
            if resource.get(policy) != "Retain":
                found.append(f"{logical_id}: {policy} must be Retain")
        properties = resource.get("Properties") or {}
        for name, expected in PINNED.get(kind, {}).items():
            if properties.get(name) != expected:
                found.append(f"{logical_id}: {name} changed, which replaces it (and empties it)")
        fixed = NO_FIXED_NAME.get(kind)
        if fixed and fixed in properties:
            found.append(f"{logical_id}: a fixed {fixed} makes every replacing change fail or rename it")
        fifo = NOT_FIFO.get(kind)
        if fifo and properties.get(fifo):
            found.append(f"{logical_id}: {fifo} replaces the queue and drops its messages")
    return found


def main() -> int:
    path = sys.argv[1] if len(sys.argv) > 1 else "template.yaml"
    template, matches = decode(path)
    if matches or template is None:
        for match in matches or []:
            print(f"check-template-upgrade: {match}", file=sys.stderr)
        return 1
    found = problems(template.get("Resources", {}))
    for problem in found:
        print(f"check-template-upgrade: {path}: {problem}", file=sys.stderr)
    if not found:
        print(f"check-template-upgrade: {path}: stateful resources kept, retained and not replaced")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
