#!/usr/bin/env python3
"""Init time of every Lambda function's bootstrap, as built by scripts/build-lambdas.

Init = process start until the function asks the Lambda Runtime API for its first event
(`GET /2018-06-01/runtime/invocation/next`), i.e. what a cold start costs before the handler
runs. The Runtime API is a local stand-in (this script); DynamoDB and SQS are moto's server (the
functions read their stored configuration at init: one DynamoDB round trip). The baseline in the
same run is the same measurement of a process that only asks for its event: `curl` against the
stand-in.

    python3 scripts/bench/lambda_init.py [target/lambda] [runs]

Needs boto3 and moto[server] (the test command's .venv has both). Prints a Markdown table.
"""

import http.server
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

import boto3

FUNCTIONS = ["callback", "events", "sync", "admin-api", "campaign", "sender", "tracking", "automation", "redirect"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RuntimeApi:
    """Answers nothing: records when the first `next` request arrives and keeps it waiting."""

    def __init__(self) -> None:
        self.first_next = threading.Event()
        self.at = 0.0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (the stdlib's name)
                if self.path.endswith("/runtime/invocation/next") and not outer.first_next.is_set():
                    outer.at = time.perf_counter()
                    outer.first_next.set()
                time.sleep(30)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    def reset(self) -> None:
        self.first_next.clear()
        self.at = 0.0


def start_moto(venv_bin: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [os.path.join(venv_bin, "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.1):
                return proc, url
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("moto_server did not start")


def deployment(moto: str) -> dict[str, str]:
    """The table and queues of template.yaml in moto, and the environment the template gives."""
    session = boto3.Session(aws_access_key_id="bench", aws_secret_access_key="bench", region_name="ap-east-1")
    ddb = session.client("dynamodb", endpoint_url=moto)
    keys = ["pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "gsi3pk", "gsi3sk"]
    ddb.create_table(
        TableName="crm",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k in keys],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": f"gsi{i}",
                "KeySchema": [
                    {"AttributeName": f"gsi{i}pk", "KeyType": "HASH"},
                    {"AttributeName": f"gsi{i}sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for i in (1, 2, 3)
        ],
    )
    sqs = session.client("sqs", endpoint_url=moto)
    url = {name: sqs.create_queue(QueueName=name)["QueueUrl"] for name in ["events", "sync", "campaign", "send", "dlq"]}
    return {
        "AWS_REGION": "ap-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_ENDPOINT_URL": moto,
        "TABLE_NAME": "crm",
        "EVENTS_QUEUE_URL": url["events"],
        "SYNC_QUEUE_URL": url["sync"],
        "CAMPAIGN_QUEUE_URL": url["campaign"],
        "SEND_QUEUE_URL": url["send"],
        "EVENTS_DLQ_URL": url["dlq"],
        "SCHEDULER_GROUP": "campaigns",
        "CAMPAIGN_FUNCTION_ARN": "arn:aws:lambda:ap-east-1:123456789012:function:crm-campaign",
        "SCHEDULER_ROLE_ARN": "arn:aws:iam::123456789012:role/scheduler",
        "LINK_BASE_URL": "https://crm.clinic.example",
        "CALLBACK_URL": "https://crm.clinic.example/api/wework/callback",
        "WEWORK_CORP_ID": "ww0123456789abcdef",
        "WEWORK_CORP_SECRET": "secret",
        "WEWORK_AGENT_ID": "1000002",
        "WEWORK_TOKEN": "QDG6eK",
        "WEWORK_ENCODING_AES_KEY": "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
        "RUST_LOG": "warn",
    }


def init_ms(command: list[str], env: dict[str, str], api: RuntimeApi) -> float:
    api.reset()
    started = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        if not api.first_next.wait(timeout=20):
            proc.kill()
            _, err = proc.communicate()
            raise SystemExit(f"{command[0]} never asked for an event: {err.decode(errors='replace')[-800:]}")
        return (api.at - started) * 1000
    finally:
        proc.kill()
        proc.wait()


def main() -> None:
    packages = sys.argv[1] if len(sys.argv) > 1 else "target/lambda"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    venv_bin = os.path.dirname(sys.executable)
    moto, moto_url = start_moto(venv_bin)
    work = tempfile.mkdtemp(prefix="lambda-init-")
    try:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **deployment(moto_url)}
        api = RuntimeApi()
        env["AWS_LAMBDA_RUNTIME_API"] = api.address
        curl = shutil.which("curl")
        baseline = [
            init_ms([curl, "-s", f"http://{api.address}/2018-06-01/runtime/invocation/next"], env, api)
            for _ in range(runs)
        ]
        rows = []
        for name in FUNCTIONS:
            # The bootstrap as Lambda unpacks it from the package.
            with zipfile.ZipFile(os.path.join(packages, name, "bootstrap.zip")) as z:
                z.extract("bootstrap", os.path.join(work, name))
            bootstrap = os.path.join(work, name, "bootstrap")
            os.chmod(bootstrap, 0o755)
            fenv = {
                **env,
                "AWS_LAMBDA_FUNCTION_NAME": name,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
                "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/crm/{name}",
                "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
            }
            times = [init_ms([bootstrap], fenv, api) for _ in range(runs)]
            rows.append((name, statistics.median(times), max(times)))
        base = statistics.median(baseline)
        print(f"{runs} cold starts per function, median (max); baseline: curl asking the same stand-in, {base:.1f} ms.")
        print()
        print("| function | init (process start → first `next`) | × baseline |")
        print("|---|---|---|")
        for name, median, worst in rows:
            print(f"| `{name}` | {median:.1f} ms (max {worst:.1f}) | {median / base:.1f} × |")
    finally:
        moto.kill()
        moto.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
