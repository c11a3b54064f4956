#include "server/validation.h"

#include <cmath>
#include <functional>

#include "gtest/gtest.h"

namespace persona::server {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;

ValidationLimits Limits() { return {.now_ms = kNow, .max_future_skew_ms = 300'000, .max_batch = 1000}; }

v1::Event ValidEvent() {
  v1::Event e;
  e.set_customer_id("c1");
  e.set_type(v1::PURCHASE);
  auto* item = e.add_items();
  item->set_item_id("sku-1");
  item->set_quantity(2);
  item->set_price(3.5);
  e.set_timestamp_ms(kNow - 1000);
  return e;
}

struct EventCase {
  const char* name;
  std::function<void(v1::Event&)> edit;
  const char* field;  // nullptr: valid
};

TEST(ValidationTest, Events) {
  const EventCase cases[] = {
      {"valid", [](auto&) {}, nullptr},
      {"session only", [](auto& e) { e.clear_customer_id(); e.set_session_id("s"); }, nullptr},
      {"timestamp 0 means now", [](auto& e) { e.set_timestamp_ms(0); }, nullptr},
      {"within skew", [](auto& e) { e.set_timestamp_ms(kNow + 299'000); }, nullptr},
      {"beyond skew", [](auto& e) { e.set_timestamp_ms(kNow + 301'000); }, "ev.timestamp_ms"},
      {"negative time", [](auto& e) { e.set_timestamp_ms(-1); }, "ev.timestamp_ms"},
      {"no subject", [](auto& e) { e.clear_customer_id(); }, "ev.customer_id"},
      {"bad customer", [](auto& e) { e.set_customer_id(std::string(257, 'c')); }, "ev.customer_id"},
      {"bad session", [](auto& e) { e.set_session_id("\x01"); }, "ev.session_id"},
      {"bad event id", [](auto& e) { e.set_event_id("\xff"); }, "ev.event_id"},
      {"unspecified type", [](auto& e) { e.set_type(v1::EVENT_TYPE_UNSPECIFIED); }, "ev.type"},
      {"unknown type", [](auto& e) { e.set_type(static_cast<v1::EventType>(64)); }, "ev.type"},
      {"purchase without items", [](auto& e) { e.clear_items(); }, "ev.items"},
      {"page view without items", [](auto& e) { e.clear_items(); e.set_type(v1::PAGE_VIEW); }, nullptr},
      {"too many items",
       [](auto& e) { for (int i = 0; i < 100; ++i) *e.add_items() = e.items(0); }, "ev.items"},
      {"empty item id", [](auto& e) { e.mutable_items(0)->clear_item_id(); }, "ev.items[0].item_id"},
      {"negative quantity", [](auto& e) { e.mutable_items(0)->set_quantity(-2); }, "ev.items[0].quantity"},
      {"negative price", [](auto& e) { e.mutable_items(0)->set_price(-0.01); }, "ev.items[0].price"},
      {"infinite price", [](auto& e) { e.mutable_items(0)->set_price(INFINITY); }, "ev.items[0].price"},
      {"NaN value", [](auto& e) { e.set_value(NAN); }, "ev.value"},
      {"negative value is a refund", [](auto& e) { e.set_value(-5); }, nullptr},
      {"bad order id", [](auto& e) { e.set_order_id(std::string(300, 'o')); }, "ev.order_id"},
      {"unknown channel", [](auto& e) { e.set_channel(static_cast<v1::Channel>(9)); }, "ev.channel"},
      {"nps ok",
       [](auto& e) { e.set_type(v1::SURVEY_RESPONSE); (*e.mutable_properties())["survey"] = "nps"; e.set_value(10); },
       nullptr},
      {"nps too high",
       [](auto& e) { e.set_type(v1::SURVEY_RESPONSE); (*e.mutable_properties())["survey"] = "nps"; e.set_value(10.5); },
       "ev.value"},
      {"csat too low",
       [](auto& e) { e.set_type(v1::SURVEY_RESPONSE); (*e.mutable_properties())["survey"] = "csat"; e.set_value(0); },
       "ev.value"},
      {"too many properties",
       [](auto& e) { for (int i = 0; i < 33; ++i) (*e.mutable_properties())["p" + std::to_string(i)] = "v"; },
       "ev.properties"},
      {"property value not UTF-8", [](auto& e) { (*e.mutable_properties())["k"] = "\xc3"; }, "ev.properties[k]"},
  };
  for (const EventCase& tc : cases) {
    v1::Event e = ValidEvent();
    tc.edit(e);
    auto problem = CheckEvent(e, "ev", Limits());
    if (tc.field == nullptr) {
      EXPECT_FALSE(problem.has_value()) << tc.name << ": " << problem->field << " " << problem->reason;
    } else {
      ASSERT_TRUE(problem.has_value()) << tc.name;
      EXPECT_EQ(problem->field, tc.field) << tc.name;
      EXPECT_FALSE(problem->reason.empty());
    }
  }
}

struct ItemCase {
  const char* name;
  std::function<void(v1::Item&)> edit;
  const char* field;
};

TEST(ValidationTest, Items) {
  const ItemCase cases[] = {
      {"valid", [](auto&) {}, nullptr},
      {"no id", [](auto& i) { i.clear_id(); }, "it.id"},
      {"title too long", [](auto& i) { i.set_title(std::string(1025, 't')); }, "it.title"},
      {"negative price", [](auto& i) { i.set_price(-1); }, "it.price"},
      {"NaN price", [](auto& i) { i.set_price(NAN); }, "it.price"},
      {"lowercase currency", [](auto& i) { i.set_currency("gbp"); }, "it.currency"},
      {"unknown availability", [](auto& i) { i.set_availability(static_cast<v1::Availability>(7)); }, "it.availability"},
      {"stock below -1", [](auto& i) { i.set_stock(-2); }, "it.stock"},
      {"empty category level", [](auto& i) { i.add_category_path(""); }, "it.category_path[1]"},
      {"slash in category", [](auto& i) { i.add_category_path("a/b"); }, "it.category_path[1]"},
      {"too deep", [](auto& i) { for (int k = 0; k < 8; ++k) i.add_category_path("x"); }, "it.category_path"},
      {"too many tags", [](auto& i) { for (int k = 0; k < 65; ++k) i.add_tags("t"); }, "it.tags"},
      {"future creation", [](auto& i) { i.set_created_time_ms(kNow + 86'400'000); }, "it.created_time_ms"},
  };
  for (const ItemCase& tc : cases) {
    v1::Item item;
    item.set_id("sku");
    item.add_category_path("Home");
    item.set_price(1);
    item.set_currency("GBP");
    tc.edit(item);
    auto problem = CheckItem(item, "it", Limits());
    if (tc.field == nullptr) {
      EXPECT_FALSE(problem.has_value()) << tc.name << ": " << problem->field;
    } else {
      ASSERT_TRUE(problem.has_value()) << tc.name;
      EXPECT_EQ(problem->field, tc.field) << tc.name;
    }
  }
}

TEST(ValidationTest, CustomersAndRecommend) {
  v1::Customer c;
  c.set_id("c");
  c.set_email("a@b.example");
  c.set_birth_year(1990);
  EXPECT_FALSE(CheckCustomer(c, "cu", Limits()).has_value());
  c.set_email("no-at-sign");
  EXPECT_EQ(CheckCustomer(c, "cu", Limits())->field, "cu.email");
  c.set_email("");
  c.set_birth_year(1800);
  EXPECT_EQ(CheckCustomer(c, "cu", Limits())->field, "cu.birth_year");

  v1::RecommendRequest r;
  EXPECT_FALSE(CheckRecommend(r).has_value());
  r.set_count(100);
  EXPECT_FALSE(CheckRecommend(r).has_value());
  r.set_count(101);
  EXPECT_EQ(CheckRecommend(r)->field, "count");
  r.set_count(5);
  r.mutable_filter()->set_min_price(3);
  r.mutable_filter()->set_max_price(2);
  EXPECT_EQ(CheckRecommend(r)->field, "filter.max_price");
  r.clear_filter();
  for (int i = 0; i < 101; ++i) r.add_context_item_ids("x");
  EXPECT_EQ(CheckRecommend(r)->field, "context_item_ids");

  EXPECT_EQ(CheckBatchSize("events", 0, 1000)->field, "events");
  EXPECT_EQ(CheckBatchSize("events", 1001, 1000)->field, "events");
  EXPECT_FALSE(CheckBatchSize("events", 1000, 1000).has_value());
  EXPECT_EQ(ToStatus({"count", "bad"}).message(), "count: bad");
}

}  // namespace
}  // namespace persona::server
