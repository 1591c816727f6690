"""moto's server for the test command, with atomic DynamoDB transactions.

moto 5.2.5's TransactWriteItems snapshots every table a transaction names with a deep copy, once
per operation, and restores the snapshot when a condition fails. That costs O(table size) per
write (every counted write is a transaction since the maintained aggregates, issue 12) and is not
atomic under concurrent requests: a failed transaction's restore can undo another request's
writes. This launcher replaces it with what DynamoDB documents — every condition is checked
against the state before the transaction, then every write is applied, or none — and serializes
the backend's item operations with one lock so that no request sees half a transaction.

Usage (scripts/test): python scripts/moto-server.py -H 127.0.0.1 -p PORT
It also asks the kernel to stop it when its parent dies (PR_SET_PDEATHSIG), where that exists.
"""

import ctypes
import json
import signal
import sys
import threading

try:
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
except (AttributeError, OSError):
    pass

import moto.server
from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend

LOCK = threading.RLock()


def serialized(method):
    def run(self, *args, **kwargs):
        with LOCK:
            return method(self, *args, **kwargs)

    run.__name__ = method.__name__
    run.__doc__ = method.__doc__
    return run


def key_of(backend, op_type, op):
    if op_type != "Put":
        return op["Key"]
    table = backend.get_table(op["TableName"])
    attrs = op["Item"]
    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = attrs[table.range_key_attr]
    return key


def transact_write_items(self, transact_items):
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    with LOCK:
        named = set()
        planned = []
        reasons = []
        failed = False
        for entry in transact_items:
            if len(entry) != 1:
                raise TransactWriteSingleOpException()
            op_type, op = next(iter(entry.items()))
            if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise ValueError("Unsupported transaction operation")
            table_name = op["TableName"]
            key = key_of(self, op_type, op)
            ident = (table_name, json.dumps(key, sort_keys=True))
            if ident in named:
                raise MultipleTransactionsException()
            named.add(ident)
            current = self.get_item(table_name, key)
            condition = op.get("ConditionExpression")
            holds = condition is None or get_filter_expression(
                condition,
                op.get("ExpressionAttributeNames"),
                op.get("ExpressionAttributeValues"),
            ).expr(current)
            if holds:
                reasons.append((None, None, None))
                planned.append((op_type, op, key, current))
            else:
                old = None
                if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                    old = current.to_json()["Attributes"]
                reasons.append(("ConditionalCheckFailed", "The conditional request failed", old))
                failed = True
        if failed:
            raise TransactionCanceledException(reasons)
        applied = []
        try:
            for op_type, op, key, current in planned:
                table_name = op["TableName"]
                if op_type == "Put":
                    self.put_item(table_name, op["Item"])
                elif op_type == "Delete":
                    self.delete_item(table_name, key)
                elif op_type == "Update":
                    self.update_item(
                        table_name,
                        key,
                        update_expression=op["UpdateExpression"],
                        expression_attribute_names=op.get("ExpressionAttributeNames"),
                        expression_attribute_values=op.get("ExpressionAttributeValues"),
                    )
                else:
                    continue
                applied.append((table_name, key, current))
        except Exception:
            # A write refused by validation: put back what this transaction changed.
            for table_name, key, previous in reversed(applied):
                if previous is None:
                    self.delete_item(table_name, key)
                else:
                    self.put_item(table_name, previous.to_json()["Attributes"])
            raise


for name in (
    "get_item",
    "put_item",
    "delete_item",
    "update_item",
    "query",
    "scan",
    "batch_get_item",
    "transact_get_items",
):
    if hasattr(DynamoDBBackend, name):
        setattr(DynamoDBBackend, name, serialized(getattr(DynamoDBBackend, name)))
DynamoDBBackend.transact_write_items = transact_write_items

if __name__ == "__main__":
    moto.server.main(sys.argv[1:])
