"""The consumer's output: a CSV of email rows plus a checkpoint beside it.

An email service imports the CSV (one row per customer, the columns a
template needs). The checkpoint (<csv>.state.json) records, after every row,
the campaign's cursor, the CSV's length and the counts so far; it is replaced
atomically (write, then rename). A consumer that was killed restarts from the
checkpoint: the CSV is cut back to the length recorded (dropping a row
written after the last checkpoint) and the stream resumes after the cursor,
so the CSV ends up with every customer exactly once.

A process crash loses nothing the checkpoint names (the CSV is flushed
first); surviving a power cut as well would need an fsync of both files per
row, which this example leaves out for speed.

Not thread-safe: one Journal per output file, used by one thread.
"""

import csv
import json
import os

ITEM_FIELDS = ("id", "title", "price", "currency", "url", "image_url", "reason",
               "click_url", "open_image_url")
CUSTOMER_FIELDS = ("customer_id", "email", "first_name", "last_name", "locale",
                   "recommendation_id", "variant", "repeated")


def header(items_per_email):
    """The CSV columns: customer fields, item<n>_<field> per slot, cursor."""
    cols = list(CUSTOMER_FIELDS)
    for n in range(1, items_per_email + 1):
        cols += [f"item{n}_{f}" for f in ITEM_FIELDS]
    return cols + ["cursor"]


class Journal:
    """Appends email rows and checkpoints progress; see the module comment."""

    def __init__(self, csv_path, campaign_id, items_per_email, dry_run=False):
        self.csv_path = csv_path
        self.state_path = csv_path + ".state.json"
        self.items_per_email = items_per_email
        self.state = {"campaign_id": campaign_id, "dry_run": dry_run, "cursor": "",
                      "csv_bytes": 0, "emails": 0, "skipped": {}, "complete": False}
        self._file = None
        self._writer = None

    def open(self):
        """Opens the CSV, resuming from the checkpoint when there is one.

        Returns True when resuming. Raises ValueError when the checkpoint is
        another campaign's, or a dry run's for a real one (or the reverse).
        """
        resuming = os.path.exists(self.state_path) and os.path.exists(self.csv_path)
        if resuming:
            with open(self.state_path, encoding="utf-8") as f:
                saved = json.load(f)
            for field in ("campaign_id", "dry_run"):
                if saved.get(field) != self.state[field]:
                    raise ValueError(f"{self.state_path} has {field} {saved.get(field)!r}, "
                                     f"not {self.state[field]!r}; use another --out")
            self.state = saved
            self._file = open(self.csv_path, "r+", newline="", encoding="utf-8")  # pylint: disable=consider-using-with
            self._file.truncate(self.state["csv_bytes"])
            self._file.seek(self.state["csv_bytes"])
        else:
            self._file = open(self.csv_path, "w", newline="", encoding="utf-8")  # pylint: disable=consider-using-with
        self._writer = csv.writer(self._file)
        if not resuming:
            self._writer.writerow(header(self.items_per_email))
            self._checkpoint()
        return resuming

    @property
    def cursor(self):
        return self.state["cursor"]

    @property
    def complete(self):
        return self.state["complete"]

    def add_email(self, row):
        """Writes one CampaignRow with `email` set, then checkpoints."""
        e = row.email
        values = [row.customer_id, e.email, e.first_name, e.last_name, e.locale,
                  e.recommendation_id, e.variant, "true" if e.repeated else "false"]
        for n in range(self.items_per_email):
            if n < len(e.items):
                it = e.items[n]
                values += [it.item_id, it.title, f"{it.price:.2f}", it.currency, it.url,
                           it.image_url, it.reason, it.click_url, it.open_image_url]
            else:
                values += [""] * len(ITEM_FIELDS)
        self._writer.writerow(values + [row.cursor])
        self.state["emails"] += 1
        self.state["cursor"] = row.cursor
        self._checkpoint()

    def add_skip(self, row, reason):
        """Counts a skipped customer under `reason` (a SkipReason name)."""
        skipped = self.state["skipped"]
        skipped[reason] = skipped.get(reason, 0) + 1
        self.state["cursor"] = row.cursor
        self._checkpoint()

    def finish(self):
        """Marks the run complete (the summary row arrived)."""
        self.state["complete"] = True
        self._checkpoint()

    def close(self):
        if self._file is not None:
            self._file.close()
            self._file = None

    def _checkpoint(self):
        self._file.flush()
        self.state["csv_bytes"] = self._file.tell()
        tmp = self.state_path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(self.state, f)
        os.replace(tmp, self.state_path)
