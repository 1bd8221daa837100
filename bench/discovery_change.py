#!/usr/bin/env python3
"""How long a single offering change takes to show in Product Discovery, and
what the server holds meanwhile (issue 17, point 4).

Starts `omni serve` on an existing database (e.g. one `omni load` filled with
`omni gen-catalog --offers 1000000`), times start-up to the first healthy
answer, then PATCHes one offering's description N times through TMF620 and
polls a discovery lookup until each new description is answered. With
--second-listen a second node is started on the same database (PostgreSQL, or
one SQLite file both processes open)
and the change is written on one node and awaited on the other.

Prints start-up seconds, RSS after start-up, the visibility times (median,
p99, max) and the RSS after the changes. Standard library only.

  python3 bench/discovery_change.py --omni-bin target/release/omni \\
      --database-url sqlite:/work/million/omni.db --changes 20
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request

DISCOVERY = "/msapi/cpopoffer/v1/product-offers"
CATALOG = "/tmf-api/productCatalogManagement/v4"
HEADERS = {"X-ATT-ClientId": "MyATT-MAS", "idpctx-appname": "onlineservices"}


def request(method, url, body=None, headers=None, timeout=30):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return resp.status, resp.read()


def rss_mib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return None


def start(args, listen):
    env = dict(os.environ, OMNI_LISTEN=listen, OMNI_DATABASE_URL=args.database_url)
    env.setdefault("RUST_LOG", "info")
    log = open(f"/tmp/discovery-change-{listen.replace(':', '_')}.log", "w")
    started = time.monotonic()
    proc = subprocess.Popen([args.omni_bin, "serve"], env=env, stdout=log, stderr=log)
    while True:
        try:
            if request("GET", f"http://{listen}/health", timeout=2)[0] == 200:
                break
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if proc.poll() is not None:
            sys.exit(f"omni exited with {proc.returncode}; see {log.name}")
        time.sleep(0.1)
    return proc, time.monotonic() - started


def token(args):
    out = subprocess.run(
        [args.omni_bin, "token", "--database-url", args.database_url,
         "--type", "user", "--role", "catalog.admin", "--tenant", args.tenant],
        check=True, capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


def lookup(listen, offering):
    url = f"http://{listen}{DISCOVERY}?channel={args.channel}&ids={offering}"
    status, body = request("GET", url, headers=HEADERS)
    found = json.loads(body)
    return found[0] if found else None


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--omni-bin", default="target/release/omni")
parser.add_argument("--database-url", required=True)
parser.add_argument("--listen", default="127.0.0.1:18431")
parser.add_argument("--second-listen", help="a second node on the same database")
parser.add_argument("--tenant", default="default")
parser.add_argument("--channel", default="ECOMM")
parser.add_argument("--offering", help="the offering to change (default: the first ECOMM search answer)")
parser.add_argument("--changes", type=int, default=20)
args = parser.parse_args()

nodes = []
try:
    proc, took = start(args, args.listen)
    nodes.append(proc)
    print(f"start-up: {took:.1f} s to /health, RSS {rss_mib(proc.pid):.0f} MiB")
    reader = args.listen
    if args.second_listen:
        second, took2 = start(args, args.second_listen)
        nodes.append(second)
        print(f"second node: {took2:.1f} s to /health, RSS {rss_mib(second.pid):.0f} MiB")
        reader = args.second_listen
    offering = args.offering
    if not offering:
        url = f"http://{args.listen}{DISCOVERY}?channel={args.channel}&limit=1&offset=0"
        offering = json.loads(request("GET", url, headers=HEADERS)[1])[0]["id"]
    admin = {"Authorization": f"Bearer {token(args)}",
             "Content-Type": "application/merge-patch+json"}
    times = []
    for n in range(args.changes):
        text = f"changed by the bench, {n} at {time.time():.3f}"
        request("PATCH", f"http://{args.listen}{CATALOG}/productOffering/{offering}",
                {"description": text}, admin)
        written = time.monotonic()
        while True:
            found = lookup(reader, offering)
            if found and found.get("description") == text:
                break
            if time.monotonic() - written > 120:
                sys.exit(f"change {n} not visible after 120 s")
            time.sleep(0.005)
        times.append((time.monotonic() - written) * 1000)
    print(f"offering {offering}: {len(times)} changes, visible after "
          f"median {statistics.median(times):.0f} ms, p99 {percentile(times, 99):.0f} ms, "
          f"max {max(times):.0f} ms")
    for proc in nodes:
        print(f"node {proc.pid}: RSS {rss_mib(proc.pid):.0f} MiB, peak {rss_mib(proc.pid, 'VmHWM'):.0f} MiB")
finally:
    for proc in nodes:
        proc.terminate()
        proc.wait()
