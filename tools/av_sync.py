#!/usr/bin/env python3
"""A/V sync of a live recording of flashes and beeps that start together (docs/live.md).

Record with, for example:
  vidstyle "lavfi:color=c=black:s=640x360:r=30,drawbox=c=white:t=fill:enable='gte(mod(t,1),0.5)'" av.mp4 \
      --live --duration 60 \
      --audio-input "lavfi:aevalsrc='if(gte(mod(t,1),0.5),0.5*sin(2*PI*1000*t),0)':s=48000"
then run: tools/av_sync.py av.mp4

For every beep it finds the flash nearest it in the file: the first lit frame and the frame
before it. With frames dropped the flash began somewhere between those two, so a beep in that
interval is in sync; the script prints how far each beep lies outside it (0 inside), and the
first lit frame's time minus the beep's. Needs only ffmpeg, ffprobe and the standard library.
"""
import struct
import subprocess
import sys


def frame_times(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=pts_time",
                          "-of", "csv=p=0", path], check=True, capture_output=True, text=True).stdout
    return [float(line.strip(", ")) for line in out.split() if line.strip(", ")]


def frame_means(path, width=32, height=18):
    raw = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-map", "0:v", "-fps_mode", "passthrough",
                          "-vf", f"scale={width}:{height}", "-f", "rawvideo", "-pix_fmt", "gray", "-"],
                         check=True, capture_output=True).stdout
    size = width * height
    return [sum(raw[i:i + size]) / size for i in range(0, len(raw) - size + 1, size)]


def beep_starts(path, rate=48000, level=3000):
    start = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries", "stream=start_time",
                            "-of", "csv=p=0", path], check=True, capture_output=True, text=True).stdout.strip()
    raw = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-map", "0:a", "-f", "s16le", "-ac", "1",
                          "-ar", str(rate), "-"], check=True, capture_output=True).stdout
    samples = struct.unpack(f"<{len(raw) // 2}h", raw[:len(raw) // 2 * 2])
    starts, quiet = [], rate
    for i, s in enumerate(samples):
        if abs(s) > level:
            if quiet > rate // 5:
                starts.append(float(start or 0) + i / rate)
            quiet = 0
        else:
            quiet += 1
    return starts


def main():
    path = sys.argv[1]
    times, means = frame_times(path), frame_means(path)
    n = min(len(times), len(means))
    threshold = (min(means) + max(means)) / 2
    flashes = [(times[i - 1], times[i]) for i in range(1, n) if means[i] > threshold >= means[i - 1]]
    beeps = beep_starts(path)
    outside, offsets = [], []
    for beep in beeps:
        before, lit = min(flashes, key=lambda f: abs(f[1] - beep))
        outside.append(beep - before if beep < before else beep - lit if beep > lit else 0.0)
        offsets.append(lit - beep)
    print(f"{n} frames, {len(flashes)} flashes, {len(beeps)} beeps over {times[n - 1]:.1f} s")
    print("beep outside its flash's frame interval (ms):", " ".join(f"{x * 1000:+.1f}" for x in outside))
    print("first lit frame minus beep (ms):", " ".join(f"{x * 1000:+.0f}" for x in offsets))
    print(f"worst outside: {max(abs(x) for x in outside) * 1000:.1f} ms; "
          f"beep vs flash at the start {offsets[0] * 1000:+.0f} ms, at the end {offsets[-1] * 1000:+.0f} ms")


if __name__ == "__main__":
    main()
