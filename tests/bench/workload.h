// The traffic of the load generator: the demo shop's items and customers (read
// from the UCI Online Retail CSV the server imports, or made up when there is
// none), and factories of realistic events and Recommend requests over them.
//
// Thread-safety: ShopData is immutable once built. The factories are
// thread-safe (their only shared state is an atomic id counter); each caller
// passes its own random engine.
#ifndef PERSONA_TESTS_BENCH_WORKLOAD_H_
#define PERSONA_TESTS_BENCH_WORKLOAD_H_

#include <atomic>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "persona/v1/events.pb.h"
#include "persona/v1/recommend.pb.h"

namespace persona::bench {

struct ShopCustomer {
  std::string id;
  std::string country;
  // Indices into ShopData::items of the distinct items bought, and the orders
  // placed, as the demo history holds them (empty for made-up customers).
  std::vector<int> items_bought;
  std::vector<std::string> orders;
};

struct ShopData {
  // Item ids, most frequently bought first (traffic is skewed towards the
  // front).
  std::vector<std::string> items;
  // Customers with a purchase history in the shop.
  std::vector<ShopCustomer> customers;
};

// Reads the item ids (stock codes that start with a digit) and customers of an
// Online Retail CSV, plain or gzipped. Customer ids are written as the
// importer stores them when `strip_decimal` is set ("17850.0" -> "17850").
// Fails when the file cannot be read or lacks the expected columns.
absl::StatusOr<ShopData> ReadOnlineRetail(const std::string& path,
                                          bool strip_decimal);

// Makes up a shop of `items` items and `customers` customers with short
// purchase histories, deterministic in `seed`.
ShopData SyntheticShop(int items, int customers, uint64_t seed);

// Returns the synthetic item's category path (three levels).
std::vector<std::string> SyntheticCategory(int item_index);

// Makes behaviour events: 70% product views, 20% cart adds, 10% purchases of
// 1..4 items, by `population` customers (the shop's known customers first,
// then made-up ones) and 15% by anonymous sessions, over the shop's items with
// a popularity skew. Every event gets a unique event id.
class EventFactory {
 public:
  EventFactory(const ShopData& shop, int population, int sessions,
               std::string run_id);

  // Fills `event` (cleared first) with the next event.
  void Next(std::mt19937_64& rng, v1::Event* event);
  // Fills `request` with `n` events for `shop` (empty: the default shop).
  void Batch(std::mt19937_64& rng, int n, const std::string& shop,
             v1::TrackEventsRequest* request);

  // Returns the customer id of population member `i` (0 <= i < population).
  std::string CustomerId(int i) const;
  int population() const { return population_; }
  int sessions() const { return sessions_; }
  const ShopData& shop() const { return shop_; }

 private:
  const ShopData& shop_;
  const int population_;
  const int sessions_;
  const std::string run_id_;
  std::atomic<uint64_t> next_id_{0};
};

// Picks an item index with a popularity skew (front of ShopData::items first).
int SkewedItem(std::mt19937_64& rng, size_t items);

// Makes Recommend requests (count 10): 70% for known customers, 30% for
// anonymous sessions, on "home" (no context), "product" (one context item) and
// "cart" (1..3 context items) placements.
class RecommendFactory {
 public:
  explicit RecommendFactory(const ShopData& shop, std::string shop_name = "")
      : shop_(shop), shop_name_(std::move(shop_name)) {}
  void Next(std::mt19937_64& rng, v1::RecommendRequest* request) const;

 private:
  const ShopData& shop_;
  const std::string shop_name_;
};

}  // namespace persona::bench

#endif  // PERSONA_TESTS_BENCH_WORKLOAD_H_
