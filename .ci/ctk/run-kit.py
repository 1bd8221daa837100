#!/usr/bin/env python3
"""Run one TM Forum conformance kit (a Postman collection) against a running server.

    run-kit.py KIT_DIR BASE_VAR BASE_URL OVERRIDES OUT_DIR [--newman PATH]

KIT_DIR    a kit folder of ../shared/tmf/ctk (collection JSON, environment JSON, config.json)
BASE_VAR   the environment variable the collection prefixes its URLs with, e.g. Product_Catalog
BASE_URL   its value, with the trailing slash, e.g. http://127.0.0.1:18620/tmf-api/productCatalogManagement/v4/
OVERRIDES  our JSON file, shaped like the kit's config.json:
             {"headers": {"Authorization": "Bearer ${OMNI_CTK_TOKEN}", ...},
              "payloads": {"ProductOffering": {"POST": {"payload": {...}}}, ...}}
           "${NAME}" anywhere in it is replaced by the environment variable NAME (which must be set).
           Payload strings may use the collection's own variables ("{{IDPS01}}"), which newman fills in.
OUT_DIR    receives collection.json (the rewritten collection) and report.json (newman's JSON report)

Every request gets our headers (a same-named header of the kit, compared case-insensitively, is
replaced); the body of every POST whose URL ends in a resource named in `payloads` is replaced by ours.
The kit's own files are never changed.

The summary ends with the line `N passed, N failed`: assertions that passed and failed, where a test
script that crashed and a request that got no response each count as one failure too (they stop the
checks that would have followed). The exit status is 0 only when nothing failed.

Standard library only (Python 3.11).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

VAR_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
POSTMAN_VAR = re.compile(r"\{\{[^{}]*\}\}")


class UsageError(Exception):
    pass


# --------------------------------------------------------------------------- loading


def load_json(path: Path) -> object:
    try:
        with path.open(encoding="utf-8") as f:
            return json.load(f)
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror}") from e
    except json.JSONDecodeError as e:
        raise UsageError(f"{path} is not valid JSON: {e}") from e


def find_kit_files(kit_dir: Path) -> tuple[Path, Path]:
    """The kit's collection and environment. Kits name them differently
    (`*.postman_collection.json`, `*.testkit.json`), so the collection is the one
    JSON file that holds a Postman `info` and `item` list."""
    if not kit_dir.is_dir():
        raise UsageError(f"kit directory {kit_dir} does not exist")
    environments = sorted(kit_dir.glob("*postman_environment.json"))
    if len(environments) != 1:
        raise UsageError(f"{kit_dir}: expected one *postman_environment.json, found {len(environments)}")
    collections = []
    for path in sorted(kit_dir.glob("*.json")):
        if path in environments or path.name == "config.json":
            continue
        data = load_json(path)
        if isinstance(data, dict) and "info" in data and isinstance(data.get("item"), list):
            collections.append(path)
    if len(collections) != 1:
        names = ", ".join(p.name for p in collections) or "none"
        raise UsageError(f"{kit_dir}: expected one Postman collection, found {names}")
    return collections[0], environments[0]


def expand_env(value: object, where: str = "overrides") -> object:
    """Replaces ${NAME} in every string of `value` by the environment variable NAME."""
    if isinstance(value, str):

        def sub(m: re.Match[str]) -> str:
            name = m.group(1)
            if name not in os.environ:
                raise UsageError(f"{where} uses ${{{name}}} but the environment variable {name} is not set")
            if not os.environ[name]:
                raise UsageError(f"{where} uses ${{{name}}} but the environment variable {name} is empty")
            return os.environ[name]

        return VAR_REF.sub(sub, value)
    if isinstance(value, list):
        return [expand_env(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {k: expand_env(v, f"{where}.{k}") for k, v in value.items()}
    return value


def load_overrides(path: Path) -> tuple[dict[str, str], dict[str, dict]]:
    data = load_json(path)
    if not isinstance(data, dict):
        raise UsageError(f"{path}: must be a JSON object")
    unknown = set(data) - {"headers", "payloads", "_comment"}
    if unknown:
        raise UsageError(f"{path}: unknown sections {sorted(unknown)}")
    headers = data.get("headers", {})
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise UsageError(f"{path}: 'headers' must map header names to strings")
    payloads = data.get("payloads", {})
    if not isinstance(payloads, dict):
        raise UsageError(f"{path}: 'payloads' must be an object")
    bodies: dict[str, dict] = {}
    for resource, methods in payloads.items():
        if resource.startswith("_"):
            continue
        try:
            bodies[resource] = methods["POST"]["payload"]
        except (TypeError, KeyError) as e:
            raise UsageError(f"{path}: payloads.{resource} must be {{\"POST\": {{\"payload\": ...}}}}") from e
    headers = expand_env(headers, f"{path.name} headers")
    bodies = expand_env(bodies, f"{path.name} payloads")
    return headers, bodies


# --------------------------------------------------------------------------- rewriting


def raw_url(request: dict) -> str:
    url = request.get("url", "")
    if isinstance(url, dict):
        return url.get("raw", "")
    return url or ""


def resource_of(url: str) -> str:
    """`{{Product_Catalog}}productOffering?x=1` -> `productOffering`."""
    path = POSTMAN_VAR.sub("/", url).split("?", 1)[0].split("#", 1)[0]
    segments = [s for s in path.split("/") if s]
    return segments[-1] if segments else ""


def payload_for(resource: str, bodies: dict[str, dict]) -> object | None:
    """Our payload for a URL segment: `productOffering` is keyed `ProductOffering`
    (the kit's config.json naming); an exact or case-insensitive key also matches."""
    if not resource:
        return None
    for key in (resource, resource[:1].upper() + resource[1:]):
        if key in bodies:
            return bodies[key]
    for key, body in bodies.items():
        if key.lower() == resource.lower():
            return body
    return None


def iter_requests(items: list, trail: tuple[str, ...] = ()):
    for item in items:
        if isinstance(item.get("item"), list):
            yield from iter_requests(item["item"], trail + (item.get("name", ""),))
        elif isinstance(item.get("request"), dict):
            yield trail, item


def rewrite(collection: dict, headers: dict[str, str], bodies: dict[str, dict]) -> tuple[int, list[str], set[str]]:
    """Adds our headers to every request and replaces POST bodies; returns the
    number of requests, a description of each body replaced and the payload keys used."""
    count = 0
    replaced: list[str] = []
    used: set[str] = set()
    wanted = {name.lower() for name in headers}
    for trail, item in iter_requests(collection.get("item", [])):
        count += 1
        request = item["request"]
        kept = [h for h in request.get("header", []) if str(h.get("key", "")).lower() not in wanted]
        request["header"] = kept + [{"key": k, "value": v, "type": "text"} for k, v in headers.items()]
        if str(request.get("method", "")).upper() != "POST":
            continue
        resource = resource_of(raw_url(request))
        body = payload_for(resource, bodies)
        if body is None:
            continue
        used.update(k for k in bodies if bodies[k] is body)
        request["body"] = {
            "mode": "raw",
            "raw": json.dumps(body, indent=2, ensure_ascii=False),
            "options": {"raw": {"language": "json"}},
        }
        replaced.append(f"POST {resource} ({' / '.join(trail + (item.get('name', ''),))})")
    return count, replaced, used


# --------------------------------------------------------------------------- running


def find_newman(explicit: str | None) -> str:
    candidate = explicit or os.environ.get("NEWMAN") or "newman"
    found = shutil.which(candidate)
    if not found:
        raise UsageError(f"newman not found ({candidate}); install it with: npm install --prefix DIR newman@6")
    return found


def run_newman(newman: str, collection: Path, environment: Path, var: str, base: str, report: Path) -> int:
    command = [
        newman, "run", str(collection),
        "-e", str(environment),
        "--env-var", f"{var}={base}",
        "--reporters", "cli,json",
        "--reporter-json-export", str(report),
        "--color", "off",
        "--disable-unicode",
    ]
    print(f"$ newman run {collection} -e {environment} --env-var {var}={base} ...", flush=True)
    return subprocess.run(command, check=False).returncode


# --------------------------------------------------------------------------- reporting


def one_line(text: object, limit: int = 400) -> str:
    s = " ".join(str(text).split())
    return s if len(s) <= limit else s[: limit - 3] + "..."


def exchange_of(execution: dict) -> str:
    """`GET /path?query -> 200`, as newman sent it."""
    request = execution.get("request") or {}
    response = execution.get("response") or {}
    url = request.get("url", {})
    if isinstance(url, dict):
        text = "/" + "/".join(url.get("path", []))
        query = "&".join(
            f"{q.get('key')}={q.get('value')}" if q.get("value") is not None else str(q.get("key"))
            for q in url.get("query", [])
            if not q.get("disabled")
        )
        if query:
            text += "?" + query
    else:
        text = str(url)
    return f"{request.get('method', '?')} {text} -> {response.get('code', 'no response')}"


def summarize(report_path: Path, newman_status: int, elapsed: float) -> int:
    if not report_path.is_file():
        print(f"newman wrote no report (exit status {newman_status})")
        print("0 passed, 1 failed")
        return 1
    run = load_json(report_path).get("run", {})
    stats = run.get("stats", {})
    requests = stats.get("requests", {})
    assertions = stats.get("assertions", {})
    scripts = stats.get("testScripts", {})
    total = assertions.get("total", 0)
    failed_assertions = assertions.get("failed", 0)

    # Request names repeat in the kits (POST and GET are both "/ProductSpecification"),
    # so failures are tied to the execution (one sent request) they happened in.
    executions = run.get("executions", [])
    by_item = {(e.get("item") or {}).get("id"): i for i, e in enumerate(executions)}
    crashes: dict[int, list[str]] = {}
    orphans: list[str] = []
    for failure in run.get("failures", []):
        error = failure.get("error") or {}
        if error.get("name") == "AssertionError" or str(failure.get("at", "")).startswith("assertion"):
            continue  # read from the executions below
        text = f"{failure.get('at', '?')}: {error.get('name', '?')}: {one_line(error.get('message', ''))}"
        index = by_item.get((failure.get("source") or {}).get("id"))
        if index is None:
            orphans.append(f"[{(failure.get('source') or {}).get('name', '?')}] {text}")
        else:
            crashes.setdefault(index, []).append(text)

    print()
    print("=" * 72)
    print(f"requests:     {requests.get('total', 0)} sent, {requests.get('failed', 0)} got no response")
    print(f"assertions:   {total} run, {failed_assertions} failed")
    print(f"test scripts: {scripts.get('total', 0)} run, {scripts.get('failed', 0)} crashed")
    print(f"time:         {elapsed:.1f} s")

    lines = []
    for index, execution in enumerate(executions):
        failed = {}
        for a in execution.get("assertions", []):
            if a.get("error") and not a.get("skipped"):
                key = (a.get("assertion", "?"), one_line(a["error"].get("message", "")))
                failed[key] = failed.get(key, 0) + 1
        if not failed and index not in crashes:
            continue
        method = (execution.get("request") or {}).get("method", "?")
        name = (execution.get("item") or {}).get("name", "?")
        lines.append(f"  #{index + 1} {method} {name}")
        lines.append(f"      exchange: {exchange_of(execution)}")
        for (assertion, message), n in failed.items():
            times = f" (x{n})" if n > 1 else ""
            lines.append(f"      FAIL {one_line(assertion, 200)}{times}: {message}")
        for text in crashes.get(index, []):
            lines.append(f"      ERROR {text}")
    if lines:
        print()
        print("Failures, by request (#n is the request's position in the run):")
        print("\n".join(lines))
    for text in orphans:
        print(f"  ERROR {text}")
    failed = failed_assertions + sum(len(v) for v in crashes.values()) + len(orphans)
    print()
    print(f"{total - failed_assertions} passed, {failed} failed")
    return 0 if failed == 0 and newman_status == 0 else 1


# --------------------------------------------------------------------------- main


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kit_dir", type=Path)
    parser.add_argument("base_var", help="e.g. Product_Catalog")
    parser.add_argument("base_url", help="e.g. http://127.0.0.1:18620/tmf-api/productCatalogManagement/v4/")
    parser.add_argument("overrides", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--newman", help="newman executable (default: $NEWMAN or newman on PATH)")
    args = parser.parse_args(argv)
    try:
        if not args.base_url.endswith("/"):
            raise UsageError(f"{args.base_url}: the kits append resource names directly, so the base URL must end with '/'")
        collection_path, environment_path = find_kit_files(args.kit_dir)
        headers, bodies = load_overrides(args.overrides)
        newman = find_newman(args.newman)

        collection = copy.deepcopy(load_json(collection_path))
        count, replaced, used = rewrite(collection, headers, bodies)
        unused = sorted(set(bodies) - used)
        if unused:
            raise UsageError(f"{args.overrides}: payloads {unused} match no POST request of the kit")
        args.out_dir.mkdir(parents=True, exist_ok=True)
        rewritten = args.out_dir / "collection.json"
        # The file holds our bearer token: readable by its owner only.
        fd = os.open(rewritten, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(collection, f, indent=2, ensure_ascii=False)
        report = args.out_dir / "report.json"
        report.unlink(missing_ok=True)
    except UsageError as e:
        print(f"run-kit: {e}", file=sys.stderr)
        return 2

    print(f"kit {args.kit_dir.name}: {collection_path.name}, {count} requests")
    print(f"headers added to every request: {', '.join(headers) or 'none'}")
    for line in replaced:
        print(f"payload replaced: {line}")
    started = time.monotonic()
    status = run_newman(newman, rewritten, environment_path, args.base_var, args.base_url, report)
    elapsed = time.monotonic() - started
    if report.is_file():
        os.chmod(report, 0o600)  # newman's report repeats the request headers
    return summarize(report, status, elapsed)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
