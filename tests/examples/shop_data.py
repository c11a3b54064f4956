"""A small, deterministic shop loaded through the public API.

40 products in four categories, 30 customers (mostly in GB, some without
email-marketing consent or without an address) and a few weeks of views,
carts and purchases with co-purchase structure, then a trained model and a
segment pass. Every call goes through the gRPC API, as a shop's import would.
"""

import random
import time

CATEGORIES = [["Home", "Lighting"], ["Home", "Kitchen"], ["Garden", "Tools"],
              ["Fashion", "Bags"]]
ITEMS_PER_CATEGORY = 10
CUSTOMERS = 30
DAY_MS = 24 * 3600 * 1000


def item_id(category, n):
    return f"sku-{category}{n:02d}"


def customer_id(n):
    return f"c{n:03d}"


def items(pb):
    out = []
    for c, path in enumerate(CATEGORIES):
        for n in range(ITEMS_PER_CATEGORY):
            out.append(pb.common_pb2.Item(
                id=item_id(c, n), title=f"{path[-1]} item {n} <{c}>",
                category_path=path, brand=f"brand{n % 3}",
                price=5.0 + 3 * n + c, currency="GBP",
                availability=pb.common_pb2.IN_STOCK, stock=-1,
                url=f"https://shop.example/p/{item_id(c, n)}",
                image_url=f"https://shop.example/img/{item_id(c, n)}.jpg"))
    return out


def customers(pb):
    """c000..c029: every 7th has no consent, every 11th no address, c025+ are DE."""
    out = []
    for n in range(CUSTOMERS):
        consent = n % 7 != 3
        out.append(pb.common_pb2.Customer(
            id=customer_id(n), first_name=f"First{n}", last_name=f"Last{n}",
            email="" if n % 11 == 5 else f"{customer_id(n)}@shop.invalid",
            locale="en-GB", country="GB" if n < 25 else "DE",
            consents=pb.common_pb2.Consents(email_marketing=consent)))
    return out


def events(pb, now_ms):
    """Views and purchases: each customer favours one category."""
    rng = random.Random(7)
    out = []
    for n in range(CUSTOMERS):
        favourite = n % len(CATEGORIES)
        for k in range(8):
            cat = favourite if rng.random() < 0.8 else rng.randrange(len(CATEGORIES))
            item = item_id(cat, rng.randrange(ITEMS_PER_CATEGORY))
            t = now_ms - rng.randrange(1, 20) * DAY_MS - k * 60000
            out.append(pb.common_pb2.Event(
                event_id=f"seed-view-{n}-{k}", customer_id=customer_id(n),
                type=pb.common_pb2.PRODUCT_VIEW, timestamp_ms=t,
                items=[pb.common_pb2.EventItem(item_id=item)]))
        basket = sorted({item_id(favourite, rng.randrange(ITEMS_PER_CATEGORY))
                         for _ in range(3)})
        out.append(pb.common_pb2.Event(
            event_id=f"seed-order-{n}", customer_id=customer_id(n),
            type=pb.common_pb2.PURCHASE, order_id=f"o{n}",
            timestamp_ms=now_ms - (n % 5 + 1) * DAY_MS,
            items=[pb.common_pb2.EventItem(item_id=i, quantity=1, price=10.0)
                   for i in basket]))
    return out


def load(pb, channel, shop=""):
    """Loads the shop, trains its model and runs the segment pass.

    Raises AssertionError when the server rejects anything.
    """
    catalog = pb.catalog_pb2_grpc.CatalogServiceStub(channel)
    r = catalog.UpsertItems(pb.catalog_pb2.UpsertItemsRequest(shop=shop, items=items(pb)))
    assert not r.rejected, r.rejected
    people = pb.customers_pb2_grpc.CustomerServiceStub(channel)
    r = people.UpsertCustomers(pb.customers_pb2.UpsertCustomersRequest(
        shop=shop, customers=customers(pb)))
    assert not r.rejected, r.rejected
    tracker = pb.events_pb2_grpc.EventServiceStub(channel)
    r = tracker.TrackEvents(pb.events_pb2.TrackEventsRequest(
        shop=shop, events=events(pb, int(time.time() * 1000))))
    assert not r.rejected, r.rejected
    pb.admin_pb2_grpc.AdminServiceStub(channel).TrainModel(
        pb.admin_pb2.TrainModelRequest(shop=shop))
    segments = pb.segments_pb2_grpc.SegmentServiceStub(channel)
    segments.PutSegment(pb.segments_pb2.PutSegmentRequest(
        shop=shop, name="uk_shoppers", rule='country = "GB"',
        description="Customers in Great Britain"))
    segments.RefreshSegments(pb.segments_pb2.RefreshSegmentsRequest(shop=shop))
