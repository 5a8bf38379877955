"""Fresh-clone time to the first /healthz: `git clone` of this repository into a temporary
folder, then `make run` there, timed until /healthz answers 200.

Two runs: with this machine's package caches (what a developer sees on a second clone), and
with empty uv and npm caches (every package downloaded again, as on a new machine; the system
packages of `make system-packages` are taken as installed)."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import ROOT, free_port


def time_to_health(cold: bool, timeout: float) -> dict[str, float | bool]:
    work = Path(tempfile.mkdtemp(prefix="dw-clone-"))
    clone = work / "datawaarden"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATAWAARDEN_")}
    env.update(DATAWAARDEN_DATA_DIR=str(work / "data"), PORT=str(port))
    if cold:
        env.update(UV_CACHE_DIR=str(work / "uv-cache"), npm_config_cache=str(work / "npm-cache"))
    start = time.perf_counter()
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    server = subprocess.Popen(
        ["make", "run", f"PORT={port}"],
        cwd=clone,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    served = False
    try:
        while time.perf_counter() - start < timeout and server.poll() is None:
            try:
                served = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                served = False
            if served:
                break
            time.sleep(0.2)
        seconds = time.perf_counter() - start
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    return {"seconds": seconds, "served": served}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    warm = time_to_health(cold=False, timeout=args.timeout)
    cold = time_to_health(cold=True, timeout=args.timeout)
    for name, run in (("warm caches", warm), ("empty caches", cold)):
        state = "served" if run["served"] else "NOT served"
        print(f"{name}: {state} after {run['seconds']:.1f} s")
    result = {
        "bench": "fresh_clone",
        "warm_s": warm["seconds"],
        "cold_s": cold["seconds"],
        "served": bool(warm["served"] and cold["served"]),
    }
    print("RESULT " + json.dumps(result))
    sys.exit(0 if result["served"] else 1)


if __name__ == "__main__":
    main()
