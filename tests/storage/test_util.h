// Helpers shared by the storage tests: a temporary directory removed at the
// end of the test, and builders of events and records. Not thread-safe.
#ifndef PERSONA_TESTS_STORAGE_TEST_UTIL_H_
#define PERSONA_TESTS_STORAGE_TEST_UTIL_H_

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "storage/database.h"

namespace persona::storage::testing_util {

// A fresh directory under testing::TempDir(), removed with everything in it.
class ScopedTempDir {
 public:
  ScopedTempDir() {
    std::string pattern = ::testing::TempDir() + "persona_storage_XXXXXX";
    char* made = mkdtemp(pattern.data());
    EXPECT_NE(made, nullptr);
    path_ = pattern;
  }
  ~ScopedTempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline constexpr int kView = 1;
inline constexpr int kCart = 4;
inline constexpr int kPurchase = 6;
inline constexpr int kReturn = 7;
inline constexpr int kSurvey = 13;

struct Line {
  std::string item;
  int quantity = 0;
  double price = 0;
};

// Builds an event; `customer` or `session` may be empty.
inline rec::EventRecord MakeEvent(std::string event_id, std::string customer, std::string session,
                                  int type, std::vector<Line> lines, int64_t time_ms) {
  rec::EventRecord e;
  e.set_event_id(std::move(event_id));
  e.set_customer_id(std::move(customer));
  e.set_session_id(std::move(session));
  e.set_type(type);
  for (const auto& l : lines) {
    auto* item = e.add_items();
    item->set_item_id(l.item);
    item->set_quantity(l.quantity);
    item->set_price(l.price);
  }
  e.set_timestamp_ms(time_ms);
  e.set_received_time_ms(time_ms);
  return e;
}

inline rec::ItemRecord MakeItem(std::string id, std::vector<std::string> path) {
  rec::ItemRecord item;
  item.set_id(std::move(id));
  for (auto& p : path) item.add_category_path(std::move(p));
  return item;
}

}  // namespace persona::storage::testing_util

#endif  // PERSONA_TESTS_STORAGE_TEST_UTIL_H_
