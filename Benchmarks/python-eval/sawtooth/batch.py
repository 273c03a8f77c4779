"""One batch: ~40 MB of small records, summed, then dropped."""


def run(batch):
    rows = [{"batch": batch, "n": n, "value": n * 0.5} for n in range(150_000)]
    return sum(row["value"] for row in rows)
