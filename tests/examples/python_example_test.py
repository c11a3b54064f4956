#!/usr/bin/python3
"""examples/python/campaign_consumer.py against the real persona-server.

Each test runs a campaign of its own type (frequency caps count per type)
for the custom segment "uk_shoppers": first directly as a dry run (nothing
recorded), then through the consumer, and checks that the CSV holds exactly
the dry run's email customers, in order, with the same products, and that
the skipped customers are counted by the same reasons. The interrupted runs
(a stream broken by the network, a consumer killed mid-way) must end with
no duplicates and no gaps. PERSONA_SERVER_BIN names the server binary.
"""

import csv
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402  pylint: disable=wrong-import-position
import tcp_proxy  # noqa: E402  pylint: disable=wrong-import-position

CONSUMER = os.path.join(harness.SOURCE_DIR, "examples", "python", "campaign_consumer.py")
PYTHON = "/usr/bin/python3"  # Debian's, with python3-grpcio
SEGMENT = "uk_shoppers"
ITEMS = 4


def read_text(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


class CampaignConsumerTest(harness.ShopServerTestMixin, unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()  # pylint: disable=consider-using-with
        self.addCleanup(self.tmp.cleanup)

    def direct_dry_run(self, campaign_id, campaign_type):
        """The campaign's rows straight from the server, recording nothing.

        Returns ([(customer_id, [item ids])] of email rows, {reason: count}).
        """
        c = self.pb.campaigns_pb2
        stub = self.pb.campaigns_pb2_grpc.CampaignServiceStub(self.server.channel)
        emails, skipped, summary = [], {}, None
        for row in stub.RunCampaign(c.RunCampaignRequest(
                campaign_id=campaign_id, type=c.CampaignType.Value(campaign_type),
                segment=SEGMENT, items_per_customer=ITEMS, dry_run=True)):
            kind = row.WhichOneof("outcome")
            if kind == "email":
                emails.append((row.customer_id, [i.item_id for i in row.email.items]))
            elif kind == "skipped":
                name = c.SkipReason.Name(row.skipped)
                skipped[name] = skipped.get(name, 0) + 1
            else:
                summary = row.summary
        self.assertIsNotNone(summary, "the dry run ended without its summary row")
        self.assertEqual(dict(summary.skipped), skipped)
        return emails, skipped

    def consume(self, address, campaign_id, campaign_type, *extra):
        out = os.path.join(self.tmp.name, f"{campaign_id}.csv")
        result = harness.run([PYTHON, CONSUMER, f"--address={address}",
                              f"--campaign-id={campaign_id}", f"--type={campaign_type}",
                              f"--segment={SEGMENT}", f"--items={ITEMS}", f"--out={out}",
                              f"--stubs={self.stubs_dir}"] + list(extra))
        report = json.loads(result.stdout) if result.returncode == 0 else None
        return result, report, out

    def csv_rows(self, path):
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        return [(r["customer_id"], [r[f"item{n}_id"] for n in range(1, ITEMS + 1)
                                    if r[f"item{n}_id"]]) for r in rows], rows

    def assert_matches(self, out, report, expected_emails, expected_skipped):
        got, rows = self.csv_rows(out)
        ids = [c for c, _ in got]
        self.assertEqual(len(ids), len(set(ids)), f"duplicate customers: {ids}")
        self.assertEqual(ids, [c for c, _ in expected_emails])
        self.assertEqual(got, expected_emails)
        self.assertTrue(report["complete"])
        self.assertEqual(report["emails"], len(expected_emails))
        self.assertEqual(report["skipped"], expected_skipped)
        for r in rows:
            self.assertTrue(r["email"].endswith("@shop.invalid"), r)
            self.assertTrue(r["recommendation_id"].startswith("r1.email_"), r)
            self.assertTrue(r["item1_reason"], r)
        return rows

    def test_rows_equal_direct_campaign(self):
        emails, skipped = self.direct_dry_run("nl-direct", "NEWSLETTER")
        # The shop has consent-less and address-less customers in the segment.
        self.assertEqual(set(skipped), {"NO_EMAIL_CONSENT", "NO_EMAIL_ADDRESS"})
        self.assertGreater(len(emails), 10)
        result, report, out = self.consume(self.server.address, "nl-direct", "NEWSLETTER")
        self.assertEqual(result.returncode, 0, result.stderr)
        rows = self.assert_matches(out, report, emails, skipped)
        self.assertEqual(report["retries"], 0)
        self.assertIsNone(report["resumed_from"])
        self.assertTrue(all(r["repeated"] == "false" for r in rows))
        self.assertTrue(all(".nl-direct." in r["recommendation_id"] for r in rows))
        # Every email was recorded as sent: running again repeats, sends no one new.
        again, _ = self.direct_dry_run("nl-direct", "NEWSLETTER")
        self.assertEqual(again, emails)

    def test_broken_stream_resumes_from_cursor_without_duplicates_or_gaps(self):
        emails, skipped = self.direct_dry_run("wb-broken", "WIN_BACK")
        proxy = tcp_proxy.BreakingProxy(("127.0.0.1", self.server.port), cut_after=6000)
        self.addCleanup(proxy.close)
        result, report, out = self.consume(proxy.address, "wb-broken", "WIN_BACK")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(proxy.cuts, 1, "the proxy never broke the stream")
        self.assertGreaterEqual(report["retries"], 1, result.stderr)
        self.assertIn("stream broken", result.stderr)
        rows = self.assert_matches(out, report, emails, skipped)
        # Rows the server had sent (and recorded) before the break come again
        # as repeated ones; the first rows were received before it.
        self.assertEqual(rows[0]["repeated"], "false")
        self.assertEqual(rows[-1]["repeated"], "true")

    def test_killed_consumer_resumes_from_checkpoint(self):
        emails, skipped = self.direct_dry_run("cs-killed", "CROSS_SELL")
        result, report, out = self.consume(self.server.address, "cs-killed", "CROSS_SELL",
                                           "--stop-after=7")
        self.assertEqual(result.returncode, 3, result.stderr)
        with open(out + ".state.json", encoding="utf-8") as f:
            state = json.load(f)
        self.assertFalse(state["complete"])
        self.assertEqual(state["emails"] + sum(state["skipped"].values()), 7)
        # A row written after the last checkpoint (a crash between the two
        # writes) must be dropped on resume: append a partial row.
        with open(out, "a", encoding="utf-8") as f:
            f.write("c999,half-written")
        result, report, out = self.consume(self.server.address, "cs-killed", "CROSS_SELL")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(report["resumed_from"], state["cursor"])
        self.assertEqual(report["retries"], 0)
        self.assert_matches(out, report, emails, skipped)
        # Complete: a third run changes nothing.
        before = read_text(out)
        result, report, _ = self.consume(self.server.address, "cs-killed", "CROSS_SELL")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(read_text(out), before)

    def test_dry_run_records_nothing_and_is_not_resumed_by_a_real_run(self):
        emails, skipped = self.direct_dry_run("welcome-preview", "WELCOME")
        result, report, out = self.consume(self.server.address, "welcome-preview", "WELCOME",
                                           "--dry-run")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assert_matches(out, report, emails, skipped)
        # Nothing was recorded: no customer has an EMAIL_SEND of this campaign.
        people = self.pb.customers_pb2_grpc.CustomerServiceStub(self.server.channel)
        for customer, _ in emails:
            profile = people.GetProfile(self.pb.customers_pb2.GetProfileRequest(
                customer_id=customer, recent_events=200))
            campaigns = [e.event.properties.get("campaign") for e in profile.recent_events]
            self.assertNotIn("welcome-preview", campaigns, customer)
        result, _, _ = self.consume(self.server.address, "welcome-preview", "WELCOME")
        self.assertEqual(result.returncode, 2)
        self.assertIn("dry_run True, not False", result.stderr)

    def test_unknown_segment_is_reported_by_status(self):
        out = os.path.join(self.tmp.name, "none.csv")
        result = harness.run([PYTHON, CONSUMER, f"--address={self.server.address}",
                              "--campaign-id=nobody", "--segment=no_such_segment",
                              f"--out={out}", f"--stubs={self.stubs_dir}"])
        self.assertEqual(result.returncode, 1)
        self.assertIn("RunCampaign failed: NOT_FOUND", result.stderr)


if __name__ == "__main__":
    unittest.main()
