"""Pages under load (issue 15), for scripts/bench: `jiebang serve --demo` (release build, SQLite)
and nginx serving the very same bytes, each driven by `wrk -t2 -c64 -d8s` in one run on this
machine; then the signed-in pages at 16 connections, then a soak of public reads with a write
every two seconds (each write empties the public cache) while the server's memory is sampled."""
import json
import os
import pathlib
import re
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
SECONDS = int(os.environ.get("JIEBANG_BENCH_PAGE_SECONDS", "8"))
SOAK = int(os.environ.get("JIEBANG_BENCH_SOAK_SECONDS", "600"))
HEADING = "\n## Pages under load"

PUBLIC = [
    ("the program page", "/programs/1", "text/html; charset=utf-8"),
    ("a challenge page", "/challenges/1", "text/html; charset=utf-8"),
    ("the 公示 page", "/programs/1/publicity", "text/html; charset=utf-8"),
    ("the public leaderboard (JSON)", "/api/v1/phases/1/leaderboard", "application/json"),
]
SIGNED_IN = [
    ("my submissions (a team's table, polled every 2 s)", "/phases/1/mine", "applicant"),
    ("the organizer's desk (applications)", "/programs/1/applications", "organizer"),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wrk(url, connections, seconds, headers=(), script=None):
    """Runs wrk; returns requests/s, p99 in ms, and the number of errors (socket errors and
    answers other than 2xx/3xx)."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    if script:
        command += ["-s", script]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rate, p99, errors + (int(non2xx.group(1)) if non2xx else 0)


def rss(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def sign_in(base, email, password):
    request = urllib.request.Request(f"{base}/api/v1/session", method="POST",
                                     headers={"Content-Type": "application/json"},
                                     data=json.dumps({"email": email, "password": password}).encode())
    with urllib.request.urlopen(request) as response:
        cookie = response.headers["Set-Cookie"]
    return cookie.split(";", 1)[0]


def pages():
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    binary = target / "release" / "jiebang"
    port, nginx_port = free_port(), free_port()
    base, nginx_base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{nginx_port}"
    with tempfile.TemporaryDirectory() as work:
        work = pathlib.Path(work)
        server = subprocess.Popen([str(binary), "--data-dir", str(work / "data"), "serve", "--demo", "--bind",
                                   f"127.0.0.1:{port}"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        nginx = None
        try:
            passwords = {}
            for line in server.stdout:
                found = re.match(r"\s+\S+ (\w+)\s+(\S+@demo\.jiebang\.cn)\s+(\S+)", line)
                if found:
                    passwords[found.group(1)] = (found.group(2), found.group(3))
                if "applicant@" in line:
                    break
            threading.Thread(target=server.stdout.read, daemon=True).start()
            time.sleep(5)  # the demo's workers finish its first jobs
            # nginx serves the bytes jiebang serves, at the same paths, with the same types.
            locations = []
            for i, (_, path, kind) in enumerate(PUBLIC):
                body = urllib.request.urlopen(base + path).read()
                (work / f"page{i}").write_bytes(body)
                locations.append(f"location = {path} {{ default_type \"{kind}\"; alias {work}/page{i}; }}")
            (work / "nginx.conf").write_text(f"""
worker_processes auto; pid {work}/nginx.pid; error_log {work}/nginx.log; daemon off;
events {{ worker_connections 1024; }}
http {{ access_log off; types {{ }} server {{ listen 127.0.0.1:{nginx_port}; {" ".join(locations)} }}
  client_body_temp_path {work}; proxy_temp_path {work}; fastcgi_temp_path {work}; uwsgi_temp_path {work}; scgi_temp_path {work}; }}
""")
            nginx = subprocess.Popen(["nginx", "-c", str(work / "nginx.conf"), "-p", str(work)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1)
            rows, targets = [], []
            for i, (name, path, _) in enumerate(PUBLIC):
                assert urllib.request.urlopen(nginx_base + path).read() == (work / f"page{i}").read_bytes()
                theirs = wrk(nginx_base + path, 64, SECONDS)
                ours = wrk(base + path, 64, SECONDS)
                share = ours[0] / theirs[0]
                rows.append(f"| {name} (`{path}`) | {ours[0]:,.0f} | {ours[1]:.1f} | {ours[2]} | {theirs[0]:,.0f} | "
                            f"{theirs[1]:.1f} | {share:.0%} |")
                met = share >= 0.3 and ours[1] < 20 and ours[2] == 0
                targets.append(f"| {name}: ≥ 30% of nginx, p99 < 20 ms, no errors | {share:.0%}, {ours[1]:.1f} ms, "
                               f"{ours[2]} errors | {'met' if met else '**not met**'} |")
            signed = []
            for name, path, role in SIGNED_IN:
                cookie = sign_in(base, *passwords[role])
                ours = wrk(base + path, 16, SECONDS, headers=[f"Cookie: {cookie}"])
                signed.append(f"| {name} (`{path}`) | {ours[0]:,.0f} | {ours[1]:.1f} | {ours[2]} |")
                targets.append(f"| {name}: p99 < 50 ms at 16 connections | {ours[1]:.1f} ms, {ours[2]} errors | "
                               f"{'met' if ours[1] < 50 and ours[2] == 0 else '**not met**'} |")
            # The soak: every public page in turn, and a write every two seconds.
            rotate = work / "rotate.lua"
            rotate.write_text("paths = {" + ", ".join(f'"{p}"' for _, p, _ in PUBLIC) + "}\ni = 0\n"
                              "request = function() i = i + 1; return wrk.format(nil, paths[i % #paths + 1]) end\n")
            organizer = sign_in(base, *passwords["organizer"])
            program = json.loads(urllib.request.urlopen(urllib.request.Request(
                f"{base}/api/v1/programs/2", headers={"Cookie": organizer})).read())
            stop, writes = threading.Event(), [0]

            def writer():
                while not stop.wait(2):
                    body = {k: program[k] for k in ("title", "issuer", "year", "description", "rules", "timeline")}
                    body["description"] = f"示例批次（第 {writes[0]} 次修改）"
                    urllib.request.urlopen(urllib.request.Request(
                        f"{base}/api/v1/programs/2", method="PUT", data=json.dumps(body).encode(),
                        headers={"Content-Type": "application/json", "Cookie": organizer,
                                 "Origin": base}))
                    writes[0] += 1
            samples = []

            def sampler():
                while not stop.wait(10):
                    samples.append(rss(server.pid))
            threads = [threading.Thread(target=writer), threading.Thread(target=sampler)]
            [t.start() for t in threads]
            soak = wrk(base + "/", 64, SOAK, script=str(rotate))
            stop.set()
            [t.join() for t in threads]
        finally:
            if nginx:
                nginx.kill()
            server.kill()
    minute = samples[min(5, len(samples) - 1)]
    last, peak = samples[-1], max(samples)
    stable = last <= minute * 1.1 + 8
    targets.append(f"| memory stable over the soak (last sample within 10% of the first minute's) | "
                   f"{minute:.0f} → {last:.0f} MiB (peak {peak:.0f}) | {'met' if stable else '**not met**'} |")
    targets.append(f"| no errors in the soak | {soak[2]} | {'met' if soak[2] == 0 else '**not met**'} |")
    version = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip()
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0]
    return f"""
## Pages under load

`jiebang serve --demo` (release build, SQLite) and {version.replace("nginx version: ", "")} serving the same bytes
(each page fetched from jiebang once and written to nginx's files), side by side in one run, each
driven by `{wrk_version.split(" [")[0]}` with `wrk -t2 -c64 -d{SECONDS}s --latency` from the same 2-core machine
(wrk, the server and nginx share the cores). Anonymous visitors' pages of published content come
from `jiebang_web::cache` (rendered once per change; ETag and gzip copies); signed-in pages are
rendered for their viewer on every request. `JIEBANG_BENCH_ONLY=pages scripts/bench` refreshes this
section alone (`JIEBANG_BENCH_PAGE_SECONDS`, `JIEBANG_BENCH_SOAK_SECONDS` set the durations).

| page | jiebang req/s | p99 ms | errors | nginx req/s | nginx p99 ms | jiebang / nginx |
|---|---:|---:|---:|---:|---:|---:|
{chr(10).join(rows)}

Signed in (`wrk -t2 -c16`, the session cookie of the demo's applicant or organizer):

| page | req/s | p99 ms | errors |
|---|---:|---:|---:|
{chr(10).join(signed)}

Soak: {SOAK} s of `wrk -t2 -c64` over the four public pages in turn while the organizer edits a
program every two seconds ({writes[0]} edits, each one moving the content counter, so every page
is rendered again): {soak[0]:,.0f} req/s, p99 {soak[1]:.1f} ms, {soak[2]} errors; the server's
resident memory sampled every 10 s: after the first minute {minute:.0f} MiB, peak {peak:.0f} MiB, at
the end {last:.0f} MiB.

| target | measured | status |
|---|---|---|
{chr(10).join(targets)}
"""
