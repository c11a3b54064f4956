// Writes the binary seed inputs of the fuzz harnesses (serialised requests,
// records, keys and models, each behind the harness's selector bytes) under
// the directory given as the only argument, as tests/fuzz/corpus/<harness>/
// holds them. The text seeds (rules, segment rules) are written by hand.
// Run after changing a harness's input layout:
//   build/tests/fuzz/fuzz_make_seeds tests/fuzz/corpus data/demo/online-retail-sample.csv.gz
// (the importer seeds sample the first lines of the demo shop's data).
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "google/protobuf/text_format.h"
#include "model/model_record.h"
#include "persona/storage/v1/records.pb.h"
#include "persona/v1/campaigns.pb.h"
#include "persona/v1/catalog.pb.h"
#include "persona/v1/customers.pb.h"
#include "persona/v1/events.pb.h"
#include "persona/v1/recommend.pb.h"
#include "persona/v1/segments.pb.h"
#include "server/serving_model.h"
#include "storage/keys.h"

namespace persona {
namespace {

namespace fs = std::filesystem;
namespace rec = ::persona::storage::v1;

fs::path root;

void Write(const std::string& harness, const std::string& name, const std::string& bytes) {
  fs::create_directories(root / harness);
  std::ofstream out(root / harness / name, std::ios::binary | std::ios::trunc);
  out << bytes;
  if (!out) {
    std::fprintf(stderr, "cannot write %s/%s\n", harness.c_str(), name.c_str());
    std::exit(1);
  }
}

template <typename Message>
std::string Text(const std::string& text) {
  Message m;
  if (!google::protobuf::TextFormat::ParseFromString(text, &m)) {
    std::fprintf(stderr, "bad text proto: %s\n", text.c_str());
    std::exit(1);
  }
  return m.SerializeAsString();
}

std::string Chunk(const std::string& bytes) {
  const size_t n = bytes.size();
  if (n > 0xffff) std::exit(1);
  return std::string{static_cast<char>(n & 0xff), static_cast<char>(n >> 8)} + bytes;
}

void ValidationSeeds() {
  Write("validation", "track_events", std::string(1, '\0') + Text<v1::TrackEventsRequest>(R"(
    shop: "demo"
    events { event_id: "o-1" customer_id: "c1" type: PURCHASE order_id: "1001"
             items { item_id: "A1" quantity: 2 price: 19.9 } timestamp_ms: 1699999999000
             channel: WEB properties { key: "country" value: "DE" } }
    events { session_id: "s1" type: SURVEY_RESPONSE value: 9
             properties { key: "survey" value: "nps" } }
    events { customer_id: "c1" type: RECOMMENDATION_CLICK items { item_id: "B7" }
             recommendation_id: "r1.home.default.loyw3v28.mf9g063v08f.tgdgli" })"));
  Write("validation", "upsert_items", "\x01" + Text<v1::UpsertItemsRequest>(R"(
    items { id: "A1" title: "Brass lamp" category_path: ["Home", "Lighting"] brand: "Acme"
            price: 19.9 currency: "GBP" availability: IN_STOCK stock: 5 tags: ["eco"]
            url: "https://shop.example/a1" created_time_ms: 1690000000000
            attributes { key: "margin" value: "0.3" } }
    items { id: "bad id\n" price: -1 })"));
  Write("validation", "upsert_customers", "\x02" + Text<v1::UpsertCustomersRequest>(R"(
    customers { id: "c1" first_name: "Ada" email: "ada@example.org" country: "DE"
                birth_year: 1980 consents { personalization: true email_marketing: true }
                preferences { categories: ["Home/Lighting"] brands: ["Acme"] }
                attributes { key: "tier" value: "gold" } })"));
  Write("validation", "upsert_categories", "\x03" + Text<v1::UpsertCategoriesRequest>(R"(
    categories { path: ["Food", "Coffee"] repeat_purchase: true })"));
  Write("validation", "recommend", "\x04" + Text<v1::RecommendRequest>(R"(
    shop: "demo" customer_id: "c1" placement: "home" count: 10
    context_item_ids: ["A1"] exclude_item_ids: ["B7"]
    rules: "filter category under \"Home\"\nboost 1.5 if created within 14d"
    filter { category_path: ["Home"] min_price: 1 max_price: 100 brands: ["Acme"] })"));
  Write("validation", "recommend_page", "\x05" + Text<v1::RecommendPageRequest>(R"(
    session_id: "s1" placements { placement: "home" count: 4 rules: "max per brand 1" }
    placements { placement: "cart" exclude_item_ids: ["A1"] })"));
  Write("validation", "rank_items", "\x06" + Text<v1::RankItemsRequest>(R"(
    customer_id: "c1" item_ids: ["A1", "B7", "C3"] rules: "pin [\"C3\"]")"));
  Write("validation", "run_campaign", "\x07" + Text<v1::RunCampaignRequest>(R"(
    campaign_id: "winback-1" type: WIN_BACK
    rule: "stage in [\"at_risk\", \"lost\"] and consent_email"
    items_per_customer: 6 rules: "exclude bought within 90d")"));
  Write("validation", "put_segment", "\x08" + Text<v1::PutSegmentRequest>(R"(
    shop: "demo" name: "de-lighting"
    rule: "country = \"DE\" and bought category \"Home/Lighting\" and last_purchase > 60d")"));
}

void RecordSeeds() {
  Write("records", "event_key", std::string(1, '\0') + storage::keys::EventKey("demo", 'C', "c1", 42));
  Write("records", "item_key", std::string(1, '\0') + storage::keys::Key("demo", 'I', "A1"));
  Write("records", "recommendation_id", "\x01r1.home.default.loyw3v28.mf9g063v08f.tgdgli");
  const std::string purchase = Text<rec::EventRecord>(R"(
    event_id: "o-1" type: 6 order_id: "1001" timestamp_ms: 1699999999000
    received_time_ms: 1700000000000
    items { item_id: "A1" quantity: 2 price: 19.9 } items { item_id: "B7" price: 4.5 }
    recommendation_id: "r1.home.default.loyw3v28.mf9g063v08f.tgdgli"
    properties { key: "country" value: "DE" })");
  const std::string agg = Text<rec::SubjectAggregatesRecord>(R"(
    first_seen_time_ms: 1690000000000 last_seen_time_ms: 1699000000000 orders: 1
    monetary: 12.5 recent_order_ids: ["999"] bought_items { key: "C3" value: 1695000000000 }
    recent_interactions { item_id: "C3" type: 6 time_ms: 1695000000000 })");
  const std::string session = Text<rec::SubjectAggregatesRecord>(R"(
    first_seen_time_ms: 1698000000000 last_seen_time_ms: 1699500000000
    recent_interactions { item_id: "A1" type: 1 time_ms: 1699500000000 })");
  const std::string stats = Text<rec::ItemStatsRecord>(R"(views: 10 purchases: 2 revenue: 39.8)");
  const std::string aggregates = Chunk(purchase) + Chunk(agg) + Chunk(session) + Chunk(stats);
  Write("records", "aggregates", std::string("\x02\x00", 2) + aggregates);
  Write("records", "aggregates_small_bounds", std::string("\x02\x02", 2) + aggregates);
  const std::string api_event = Text<v1::Event>(R"(
    event_id: "e-2" customer_id: "c1" type: EMAIL_SEND timestamp_ms: 1699999000000
    items { item_id: "A1" } items { item_id: "B7" }
    properties { key: "campaign" value: "winback-1" }
    properties { key: "campaign_type" value: "WIN_BACK" })");
  Write("records", "aggregates_api_event",
        std::string("\x02\x01", 2) + Chunk(api_event) + Chunk(agg) + Chunk(session) + Chunk(stats));
  std::string items = "\x03";
  for (const char* text : {
           R"(id: "A1" category_path: ["a", "b"] brand: "b" price: 19.9 availability: 1 stock: 5
              tags: ["x"] created_time_ms: 1690000000000 attributes { key: "size" value: "4" })",
           R"(id: "B7" category_path: ["a"] price: 4.5 availability: 3 stock: -1)",
           R"(id: "C3" category_path: ["c", "d", "e"] brand: "z" price: 120 availability: 2
              tags: ["y", "x"] attributes { key: "size" value: "n/a" })"}) {
    items += Chunk(Text<rec::ItemRecord>(text));
  }
  Write("records", "catalog", items);
}

model::ModelRecord SmallModel() {
  model::ModelRecord m;
  m.options.factors = 2;
  m.factors = {.num_users = 1, .num_items = 3, .factors = 2,
               .user_factors = {0.5f, -0.25f},
               .item_factors = {1, 0, 0, 1, 0.5f, 0.5f}};
  m.item_ids = {"A1", "B7", "C3"};
  m.user_ids = {"c1"};
  m.metrics = {{"ndcg@10", 0.25}};
  m.trained_at_ms = 1700000000000;
  m.training_time_ms = 1234;
  auto w = model::Bm25Weighting::FromParts(100, 0.8f, 2.5, 1, {0.1f, 0.2f, 0.3f});
  if (!w.ok()) std::exit(1);
  m.weighting = *w;
  return m;
}

void ModelSeeds() {
  const model::ModelRecord m = SmallModel();
  const auto als = model::SerializeModelRecord(m);
  if (!als.ok()) std::exit(1);
  Write("model_record", "als_record", "\x01" + *als);
  Write("model_record", "als_record_crc_fixed", "\x03" + *als);
  server::ServingModel serving;
  serving.version = "v1700000000000";
  serving.als = m;
  serving.bought_together = {{"A1", {{"B7", 0.5f}, {"C3", 0.25f}}}};
  serving.viewed_together = {{"B7", {{"A1", 1.0f}}}};
  serving.users = 1;
  serving.interactions = 3;
  const auto envelope = server::EncodeServingModel(serving);
  if (!envelope.ok()) std::exit(1);
  Write("model_record", "serving_model", std::string(1, '\x00') + *envelope);
  Write("model_record", "serving_model_crc_fixed", "\x02" + *envelope);
}

// The first `lines` lines of the demo shop's Online Retail sample.
std::string DemoLines(const std::string& gz_path, int lines) {
  gzFile f = gzopen(gz_path.c_str(), "rb");
  if (f == nullptr) std::exit(1);
  std::string out;
  char buf[4096];
  for (int i = 0; i < lines && gzgets(f, buf, sizeof buf) != nullptr; ++i) out += buf;
  gzclose(f);
  return out;
}

std::string Gzip(const std::string& text) {
  z_stream z{};
  if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) std::exit(1);
  std::string out(deflateBound(&z, text.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) std::exit(1);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// The first byte is format + 4 * kind (formats: auto, jsonl, csv, online
// retail; kinds: items, customers, events), the second the batch size - 1
// plus 0x10 (sample half the customers) and 0x20 (shift times to now).
void ImporterSeeds(const std::string& demo_gz) {
  auto mode = [](int format, int kind, int knobs) {
    return std::string{static_cast<char>(format + 4 * kind), static_cast<char>(knobs)};
  };
  Write("importer", "items.csv", mode(2, 0, 2) +
        "id,title,category,brand,price,currency,availability,stock,tags,created_time,attr.color\n"
        "A1,Brass lamp,Home/Lighting,Acme,19.90,GBP,in stock,5,eco|new,2024-05-01,red\n"
        "B7,\"Mug, \"\"big\"\"\",Home > Kitchen,,4.5,GBP,PREORDER,,,1714557600000,\n"
        "C3,Bad price,Toys,,abc,GBP,,,,,\n");
  Write("importer", "customers.csv", mode(0, 1, 0) +
        "id,first_name,email,country,birth_year,consent_email,preferred_categories,attr.tier\r\n"
        "c1,Ada,ada@example.org,DE,1980,yes,Home/Lighting|Toys,gold\r\n"
        "c2,,not-an-email,FR,1800,n,,\r\n");
  Write("importer", "events.csv", mode(2, 2, 1) +
        "event_id,customer_id,type,item_id,quantity,price,order_id,timestamp,channel,prop.survey\n"
        "o-1001,c1,purchase,A1,2,19.90,1001,2024-05-01T10:00:00Z,web,\n"
        "o-1001,c1,purchase,B7,1,4.50,1001,2024-05-01T10:00:00Z,web,\n"
        ",c1,product_view,C3,,,,2024-05-02 08:12,app,\n"
        ",c2,survey_response,,,,,2024-05-02,,nps\n");
  Write("importer", "items.jsonl", mode(1, 0, 7) +
        R"({"id":"A1","title":"Brass lamp","categoryPath":["Home","Lighting"],"price":19.9,"currency":"GBP"})"
        "\n\n" R"({"id":"B7","price":-1})" "\n");
  Write("importer", "customers.jsonl", mode(0, 1, 3) +
        R"({"id":"c1","country":"FR","consents":{"personalization":true}})" "\n");
  Write("importer", "events.jsonl", mode(1, 2, 0) +
        R"({"eventId":"o-1","customerId":"c1","type":"PURCHASE","items":[{"itemId":"A1","quantity":1,"price":19.9}],"timestampMs":"1714557600000"})"
        "\n" R"({"customerId":"c1","type":"NOPE"})" "\n");
  const std::string retail = DemoLines(demo_gz, 20);
  Write("importer", "online_retail.csv", mode(3, 0, 7) + retail);
  Write("importer", "online_retail_sampled_shifted.csv", mode(0, 0, 0x30 | 4) + retail);
  Write("importer", "online_retail.csv.gz", mode(0, 0, 2) + Gzip(DemoLines(demo_gz, 15)));
}

}  // namespace
}  // namespace persona

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s <corpus directory> <online-retail-sample.csv.gz>\n",
                 argv[0]);
    return 2;
  }
  persona::root = argv[1];
  persona::ValidationSeeds();
  persona::RecordSeeds();
  persona::ModelSeeds();
  persona::ImporterSeeds(argv[2]);
  return 0;
}
