"""Writes the sales log that load_whole.py and load_streaming.py total (about 60 MB)."""

LINES = 1_500_000


def write_sample_log(path: str) -> None:
    # Written in chunks so the writer itself stays small.
    with open(path, "w") as f:
        for start in range(0, LINES, 50_000):
            f.write("".join(f"2026-11-25T10:{i % 60:02d},store-{i % 97:03d},{i % 1000}\n"
                            for i in range(start, start + 50_000)))
