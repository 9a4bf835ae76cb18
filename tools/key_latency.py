#!/usr/bin/env python3
"""Key-to-picture latency of live keys, in painted frames (docs/live.md).

Runs vidstyle on a pseudo-terminal (as a user's terminal), presses a style key every
INTERVAL seconds, then q, and reads the summary: each change is listed with the recording
time it reached the picture and how many painted frames after its key that was (1: the very
next frame; 2: the key came while a frame was being painted, which keeps the old style).

  tools/key_latency.py [VIDSTYLE] [PRESSES] [INTERVAL] -- [vidstyle arguments]
  tools/key_latency.py .build/release/vidstyle 20 0.7 -- lavfi:testsrc2=size=640x360:rate=30 out.mp4 --live -y
"""
import os
import pty
import re
import select
import subprocess
import sys
import time


def main():
    split = sys.argv.index("--")
    binary, presses, interval = (sys.argv[1:split] + [".build/debug/vidstyle", "20", "0.7"][len(sys.argv[1:split]):])[:3]
    args = sys.argv[split + 1:]
    master, slave = pty.openpty()
    process = subprocess.Popen([binary] + args, stdin=slave, stderr=slave, stdout=subprocess.DEVNULL)
    seen = b""

    def drain(seconds):
        nonlocal seen
        end = time.time() + seconds
        while time.time() < end:
            ready, _, _ = select.select([master], [], [], max(0, end - time.time()))
            if ready:
                try:
                    seen += os.read(master, 65536)
                except OSError:
                    return

    while b"recording 0:01" not in seen and process.poll() is None:
        drain(0.1)
    for i in range(int(presses)):
        os.write(master, str(1 + i % 8).encode())
        drain(float(interval))
    os.write(master, b"q")
    while process.poll() is None:
        drain(0.1)
    drain(0.2)
    text = seen.decode(errors="replace")
    frames = [int(n) for n in re.findall(r"\((\d+) painted frames? after the key\)", text)]
    for line in text.splitlines():
        if "wrote" in line or "live:" in line:
            print(line.strip())
    print(f"{len(frames)} changes; painted frames after the key: "
          + ", ".join(f"{k}: {frames.count(k)}" for k in sorted(set(frames))) + f"; worst {max(frames) if frames else '-'}")


if __name__ == "__main__":
    main()
