#!/usr/bin/python3
"""An email-campaign consumer: what a marketing system does with Persona.

Runs CampaignService.RunCampaign for a segment and writes one CSV row per
customer to email (address, name, locale, the recommendation id to send back
with clicks, and each product slot with its reason), counts the customers
Persona skipped by reason (no consent, frequency cap, ...), and survives
interruptions:

- a broken stream (server restart, network) is retried from the cursor of
  the last row received, up to --retries times;
- a killed consumer, run again with the same --out, resumes from its
  checkpoint (checkpoint.py).

The server records each email as sent before streaming its row, and answers
a resumed campaign's already-sent customers with the same content again
(repeated=true), so the CSV ends up with every customer exactly once.

Run with Debian's interpreter (/usr/bin/python3, with python3-grpcio and
python3-protobuf); the stubs are generated at start from proto/ unless
--stubs names a directory that holds them (persona_stubs.py).

Environment: PERSONA_ADDRESS, PERSONA_API_KEY (a marketing key when the
server checks keys), PERSONA_TLS_CA (PEM roots for TLS), PERSONA_TLS=1 (system
roots), PERSONA_TLS_SERVER_NAME.
"""

import argparse
import json
import os
import sys
import time

import grpc

import checkpoint
import persona_stubs

# Codes after which the same request, resumed from the cursor, may succeed.
RETRYABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED,
             grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN)
EXIT_STOPPED = 3
CAMPAIGN_TYPES = ("WELCOME", "WIN_BACK", "ABANDONED_CART", "CROSS_SELL", "REPLENISHMENT",
                  "BACK_IN_STOCK", "PRICE_DROP", "NEWSLETTER")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    p.add_argument("--address", default=os.environ.get("PERSONA_ADDRESS", "127.0.0.1:50051"))
    p.add_argument("--shop", default="")
    p.add_argument("--campaign-id", required=True, help="1..64 of [a-z0-9_-]")
    p.add_argument("--type", default="NEWSLETTER", type=str.upper, choices=CAMPAIGN_TYPES,
                   help="the campaign type (frequency caps count per type)")
    p.add_argument("--segment", required=True, help='e.g. "stage:at_risk" or a custom segment')
    p.add_argument("--items", type=int, default=6, help="products per email (1..50)")
    p.add_argument("--out", required=True, help="CSV to write; <out>.state.json is its checkpoint")
    p.add_argument("--dry-run", action="store_true", help="compute rows, record no sends")
    p.add_argument("--retries", type=int, default=5, help="resumes after a broken stream")
    p.add_argument("--timeout", type=float, default=3600.0, help="deadline of one stream, s")
    p.add_argument("--stubs", default=os.environ.get("PERSONA_PY_STUBS"),
                   help="directory with (or for) the generated stubs; default a temp dir")
    p.add_argument("--stop-after", type=int, default=0,
                   help="exit (code 3) after this many rows, as if killed; to try resuming")
    return p.parse_args(argv)


def connect(address):
    """Returns a channel: TLS when PERSONA_TLS_CA or PERSONA_TLS is set."""
    ca_file = os.environ.get("PERSONA_TLS_CA", "")
    use_tls = os.environ.get("PERSONA_TLS", "").lower() in ("1", "true", "yes")
    if not ca_file and not use_tls:
        return grpc.insecure_channel(address)
    roots = None
    if ca_file:
        with open(ca_file, "rb") as f:
            roots = f.read()
    options = []
    if os.environ.get("PERSONA_TLS_SERVER_NAME"):
        options.append(("grpc.ssl_target_name_override", os.environ["PERSONA_TLS_SERVER_NAME"]))
    return grpc.secure_channel(address, grpc.ssl_channel_credentials(roots), options)


def metadata():
    key = os.environ.get("PERSONA_API_KEY", "")
    return [("x-api-key", key)] if key else []


class Consumer:
    """One campaign run into one Journal; not thread-safe."""

    def __init__(self, pb, stub, args, journal):
        self.pb = pb
        self.stub = stub
        self.args = args
        self.journal = journal
        self.rows_this_process = 0
        self.retries = 0
        self.server_summaries = []

    def request(self):
        pb = self.pb.campaigns_pb2
        return pb.RunCampaignRequest(
            shop=self.args.shop, campaign_id=self.args.campaign_id,
            type=pb.CampaignType.Value(self.args.type),
            segment=self.args.segment, items_per_customer=self.args.items,
            resume_after=self.journal.cursor, dry_run=self.args.dry_run)

    def stream_once(self):
        """Reads one stream to its end; True when the summary row arrived."""
        skip_names = self.pb.campaigns_pb2.SkipReason
        rows = self.stub.RunCampaign(self.request(), metadata=metadata(),
                                     timeout=self.args.timeout)
        for row in rows:
            outcome = row.WhichOneof("outcome")
            if outcome == "summary":
                self.server_summaries.append(row.summary)
                return True
            if outcome == "email":
                self.journal.add_email(row)
            else:
                self.journal.add_skip(row, skip_names.Name(row.skipped))
            self.rows_this_process += 1
            if self.rows_this_process == self.args.stop_after:
                rows.cancel()
                raise SystemExit(EXIT_STOPPED)
        return False

    def run(self):
        """Streams until the summary row, resuming after broken streams.

        Raises grpc.RpcError for errors not worth retrying (a bad request,
        an unknown segment, a refused key) or when retries are used up.
        """
        while True:
            try:
                if self.stream_once():
                    self.journal.finish()
                    return
                failure = "the stream ended without a summary row"
            except grpc.RpcError as err:
                if err.code() not in RETRYABLE or self.retries >= self.args.retries:
                    raise
                failure = f"{err.code().name}: {err.details()}"
            if self.retries >= self.args.retries:
                raise RuntimeError(failure)
            self.retries += 1
            print(f"campaign: stream broken ({failure}); resuming after "
                  f"{self.journal.cursor or 'the start'} (retry {self.retries})",
                  file=sys.stderr)
            time.sleep(min(0.2 * 2 ** (self.retries - 1), 5.0))


def report(consumer, resumed_from):
    state = consumer.journal.state
    last = consumer.server_summaries[-1] if consumer.server_summaries else None
    return {
        "campaign_id": state["campaign_id"],
        "out": consumer.journal.csv_path,
        "complete": state["complete"],
        "emails": state["emails"],
        "skipped": state["skipped"],
        "resumed_from": resumed_from,
        "retries": consumer.retries,
        "rows_this_run": consumer.rows_this_process,
        "last_stream_summary": None if last is None else {
            "audience": last.audience, "emails": last.emails,
            "skipped": dict(last.skipped), "seconds": last.seconds},
    }


def main(argv):
    args = parse_args(argv)
    pb = persona_stubs.load(args.stubs)
    journal = checkpoint.Journal(args.out, args.campaign_id, args.items, args.dry_run)
    try:
        resumed = journal.open()
    except ValueError as err:
        print(f"campaign: {err}", file=sys.stderr)
        return 2
    resumed_from = journal.cursor if resumed else None
    if journal.complete:
        print(f"campaign: {args.out} is already complete", file=sys.stderr)
    with connect(args.address) as channel:
        stub = pb.campaigns_pb2_grpc.CampaignServiceStub(channel)
        consumer = Consumer(pb, stub, args, journal)
        try:
            if not journal.complete:
                consumer.run()
        except grpc.RpcError as err:
            print(f"campaign: RunCampaign failed: {err.code().name}: {err.details()}"
                  " (run again with the same --out to resume)", file=sys.stderr)
            return 1
        except RuntimeError as err:
            print(f"campaign: {err} (run again with the same --out to resume)", file=sys.stderr)
            return 1
        finally:
            journal.close()
    print(json.dumps(report(consumer, resumed_from), sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
