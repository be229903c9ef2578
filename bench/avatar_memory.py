"""Peak memory and CPU time of avatar processing, one image per child process so that each
peak is its own. Prints one line per image: size on disk, outcome, CPU seconds, peak RSS growth.

    DJANGO_SETTINGS_MODULE=config.settings.test python bench/avatar_memory.py
"""

from __future__ import annotations

import io
import multiprocessing
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def make(name: str) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    if name == "bomb-6300x6300.png":
        Image.new("L", (6300, 6300), 0).save(out, format="PNG", optimize=True)
    elif name == "photo-4000x3000.jpg":
        Image.effect_noise((4000, 3000), 40).convert("RGB").save(out, format="JPEG", quality=70)
    elif name == "flat-4000x3000.png":
        Image.new("RGB", (4000, 3000), (20, 90, 200)).save(out, format="PNG")
    elif name == "truncated-800x800.jpg":
        Image.new("RGB", (800, 800), (10, 200, 10)).save(out, format="JPEG")
        return out.getvalue()[: len(out.getvalue()) // 3]
    return out.getvalue()


def measure(name: str, data: bytes, queue) -> None:
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts import services

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.process_time()
    try:
        services.avatar_process(SimpleUploadedFile(name, data))
        outcome = "accepted"
    except services.AvatarError as exc:
        outcome = f"refused: {exc}"
    cpu = time.process_time() - start
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    queue.put((name, len(data), outcome, cpu, grown / 1024))


if __name__ == "__main__":
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    multiprocessing.set_start_method("spawn")
    queue = multiprocessing.Queue()
    for name in ("bomb-6300x6300.png", "truncated-800x800.jpg", "photo-4000x3000.jpg", "flat-4000x3000.png"):
        # The image is made here, so the child's peak is the processing alone.
        child = multiprocessing.Process(target=measure, args=(name, make(name), queue))
        child.start()
        child.join()
        image, size, outcome, cpu, grown = queue.get()
        print(f"{image:24} {size / 1024:8.0f} KB  cpu {cpu:5.2f} s  peak RSS +{grown:6.1f} MB  {outcome}")
