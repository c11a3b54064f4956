#!/usr/bin/python3
"""examples/node/storefront.mjs against the real persona-server.

Checks that the blocks the example renders (a product page's two, the home
page's one) are exactly what Recommend answers for the same visitor and page, that the events it tracked (with its
client event ids and the blocks' recommendation ids) are in the visitor's
profile, and that a failing server leaves a page without recommendations
instead of an error page. PERSONA_SERVER_BIN names the server binary.
"""

import json
import os
import shutil
import socket
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402  pylint: disable=wrong-import-position

NODE_DIR = os.path.join(harness.SOURCE_DIR, "examples", "node")
STOREFRONT = os.path.join(NODE_DIR, "storefront.mjs")
DEADLINE_MS = "20000"  # generous: the CI machine is shared; not what is tested


def node():
    path = os.environ.get("PERSONA_NODE") or shutil.which("node")
    if path is None:
        raise RuntimeError("node is not installed (scripts/install-deps.sh)")
    if not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "@grpc", "grpc-js")):
        raise RuntimeError(f"run `npm ci` in {NODE_DIR} (scripts/install-deps.sh does)")
    return path


def run_storefront(address, *args, env=None):
    """Runs the example with --format=json; returns (CompletedProcess, visit)."""
    result = harness.run([node(), STOREFRONT, f"--address={address}", "--format=json",
                          f"--deadline-ms={DEADLINE_MS}"] + list(args), env=env)
    visit = json.loads(result.stdout) if result.returncode == 0 and result.stdout else None
    return result, visit


def item_ids(block):
    return [i["item"]["id"] for i in block["items"]]


class NodeStorefrontTest(harness.ShopServerTestMixin, unittest.TestCase):
    def recommend(self, placement, count, product, exclude=(), **visitor):
        r = self.pb.recommend_pb2
        stub = self.pb.recommend_pb2_grpc.RecommendServiceStub(self.server.channel)
        return stub.Recommend(r.RecommendRequest(
            placement=placement, count=count, context_item_ids=[product],
            exclude_item_ids=list(exclude), **visitor))

    def profile(self, **visitor):
        stub = self.pb.customers_pb2_grpc.CustomerServiceStub(self.server.channel)
        return stub.GetProfile(self.pb.customers_pb2.GetProfileRequest(
            recent_events=50, **visitor))

    def assert_well_formed(self, visit):
        """Both blocks full, every item with a reason, every event with its own id."""
        blocks = visit["placements"]
        self.assertEqual([b["placement"] for b in blocks], ["product", "complete_the_look"])
        self.assertEqual(len(blocks[0]["items"]), 8)
        self.assertEqual(len(blocks[1]["items"]), 4)
        for block in blocks:
            for item in block["items"]:
                self.assertTrue(item["reason"], item)
                self.assertNotEqual(item["reason_code"], "REASON_CODE_UNSPECIFIED")
        event_ids = [t["event_id"] for t in visit["tracked"]]
        self.assertTrue(all(event_ids), event_ids)
        self.assertEqual(len(set(event_ids)), len(event_ids))
        return blocks

    def expected_blocks(self, product, **visitor):
        """What Recommend answers for the page's two blocks, with reasons."""
        first = self.recommend("product", 8, product, **visitor)
        second = self.recommend("complete_the_look", 4, product,
                                exclude=[i.item.id for i in first.items], **visitor)
        return [[(i.item.id, i.reason) for i in r.items] for r in (first, second)]

    def test_customer_page_view_shows_recommend_items_and_tracks_events(self):
        visitor = {"customer_id": "c002"}
        expected = self.expected_blocks("sku-201", **visitor)
        result, visit = run_storefront(self.server.address, "--customer=c002",
                                       "--product=sku-201", "--click=first", "--add-to-cart")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(visit["errors"], [])
        blocks = self.assert_well_formed(visit)
        got = [[(i["item"]["id"], i["reason"]) for i in b["items"]] for b in blocks]
        self.assertEqual(got, expected)

        tracked = {t["type"]: t for t in visit["tracked"]}
        self.assertEqual(len(visit["tracked"]), 5)  # view, 2 impressions, click, cart
        self.assertEqual(tracked["PRODUCT_VIEW"]["item_ids"], ["sku-201"])
        self.assertEqual(tracked["ADD_TO_CART"]["item_ids"], ["sku-201"])
        click = tracked["RECOMMENDATION_CLICK"]
        self.assertEqual(click["item_ids"], [item_ids(blocks[0])[0]])
        self.assertEqual(click["recommendation_id"], blocks[0]["recommendation_id"])

        stored = {e.event.event_id: e.event for e in self.profile(**visitor).recent_events}
        for t in visit["tracked"]:
            self.assertIn(t["event_id"], stored, t)
            event = stored[t["event_id"]]
            self.assertEqual(self.pb.common_pb2.EventType.Name(event.type), t["type"])
            self.assertEqual([i.item_id for i in event.items], t["item_ids"])
            self.assertEqual(event.recommendation_id, t["recommendation_id"])
            self.assertEqual(event.customer_id, "c002")
        impressions = [t for t in visit["tracked"] if t["type"] == "RECOMMENDATION_IMPRESSION"]
        self.assertEqual(sorted(t["recommendation_id"] for t in impressions),
                         sorted(b["recommendation_id"] for b in blocks))

    def test_anonymous_session_with_cart_context(self):
        visitor = {"session_id": "s-node-1"}
        # The cart's items are page context as well as the viewed product.
        r = self.pb.recommend_pb2
        stub = self.pb.recommend_pb2_grpc.RecommendServiceStub(self.server.channel)
        with_cart = stub.Recommend(r.RecommendRequest(
            placement="product", count=8, context_item_ids=["sku-305", "sku-300"], **visitor))
        result, visit = run_storefront(self.server.address, "--session=s-node-1",
                                       "--product=sku-305", "--cart=sku-300")
        self.assertEqual(result.returncode, 0, result.stderr)
        blocks = self.assert_well_formed(visit)
        self.assertEqual(item_ids(blocks[0]), [i.item.id for i in with_cart.items])
        self.assertNotIn("sku-300", item_ids(blocks[0]) + item_ids(blocks[1]))
        profile = self.profile(**visitor)
        self.assertEqual(profile.session_id, "s-node-1")
        stored = {e.event.event_id: e.event for e in profile.recent_events}
        for t in visit["tracked"]:
            self.assertEqual(stored[t["event_id"]].session_id, "s-node-1")
        self.assertEqual(sorted(t["type"] for t in visit["tracked"]),
                         ["PRODUCT_VIEW", "RECOMMENDATION_IMPRESSION", "RECOMMENDATION_IMPRESSION"])

    def test_text_and_html_rendering_show_reasons_escaped(self):
        for fmt, marker in (("text", " - "), ("html", '<small class="reason">')):
            result = harness.run([node(), STOREFRONT, f"--address={self.server.address}",
                                  "--customer=c003", "--product=sku-002", f"--format={fmt}",
                                  f"--deadline-ms={DEADLINE_MS}"])
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertIn(marker, result.stdout)
            if fmt == "html":
                # Titles hold "<1>": the markup must carry them escaped.
                self.assertIn("&lt;", result.stdout)
                self.assertNotIn("item 1 <", result.stdout)
                self.assertIn('data-recommendation-id="r1.product.', result.stdout)

    def test_invalid_request_is_reported_and_page_still_tracks_the_view(self):
        result, visit = run_storefront(self.server.address, "--customer=c004",
                                       "--product=sku-003", "--count=1000")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(visit["placements"], [])
        self.assertEqual([(e["call"], e["code"]) for e in visit["errors"]],
                         [("RecommendPage", "INVALID_ARGUMENT")])
        self.assertIn("RecommendPage failed: INVALID_ARGUMENT", result.stderr)
        self.assertEqual([t["type"] for t in visit["tracked"]], ["PRODUCT_VIEW"])

    def test_rejected_event_is_reported_with_its_field(self):
        too_long = "x" * 300  # ids are at most 256 bytes
        result, visit = run_storefront(self.server.address, "--customer=c008",
                                       f"--product={too_long}")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(visit["tracked"], [])
        self.assertEqual([(e["call"], e["code"]) for e in visit["errors"]],
                         [("RecommendPage", "INVALID_ARGUMENT"), ("TrackEvents", "REJECTED")])
        self.assertIn("events[0].items[0].item_id", visit["errors"][1]["message"])

    def test_unreachable_server_renders_page_without_recommendations(self):
        with socket.create_server(("127.0.0.1", 0)) as s:
            closed_port = s.getsockname()[1]
        result = harness.run([node(), STOREFRONT, f"--address=127.0.0.1:{closed_port}",
                              "--customer=c005", "--product=sku-003", "--deadline-ms=2000"])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("no recommendations", result.stdout)
        self.assertIn("RecommendPage failed: UNAVAILABLE", result.stderr)
        self.assertIn("TrackEvents failed: UNAVAILABLE", result.stderr)

    def test_home_page_shows_recommend_items(self):
        r = self.pb.recommend_pb2
        stub = self.pb.recommend_pb2_grpc.RecommendServiceStub(self.server.channel)
        expected = stub.Recommend(r.RecommendRequest(customer_id="c007", placement="home", count=6))
        result, visit = run_storefront(self.server.address, "--customer=c007", "--count=6",
                                       "--click=first")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(visit["errors"], [])
        [block] = visit["placements"]
        self.assertEqual(block["placement"], "home")
        self.assertEqual([(i["item"]["id"], i["reason"]) for i in block["items"]],
                         [(i.item.id, i.reason) for i in expected.items])
        self.assertEqual(len(block["items"]), 6)
        self.assertEqual([t["type"] for t in visit["tracked"]],
                         ["PAGE_VIEW", "RECOMMENDATION_IMPRESSION", "RECOMMENDATION_CLICK"])
        self.assertEqual(visit["tracked"][2]["recommendation_id"], block["recommendation_id"])
        stored = {e.event.event_id: e.event for e in self.profile(customer_id="c007").recent_events}
        self.assertEqual(stored[visit["tracked"][0]["event_id"]].properties["page"], "home")
        click = stored[visit["tracked"][2]["event_id"]]
        self.assertEqual(click.recommendation_id, block["recommendation_id"])
        self.assertEqual([i.item_id for i in click.items], [block["items"][0]["item"]["id"]])

    def test_usage_error_exits_2(self):
        result = harness.run([node(), STOREFRONT, "--customer=c001", "--add-to-cart"])
        self.assertEqual(result.returncode, 2)
        self.assertIn("--add-to-cart needs --product", result.stderr)


if __name__ == "__main__":
    unittest.main()
