// Test helpers for the importer: an in-memory Sink that keeps what it is
// given (and can refuse chosen records), and temporary input files.
// Not thread-safe.
#ifndef PERSONA_TESTS_TOOLS_FAKE_SINK_H_
#define PERSONA_TESTS_TOOLS_FAKE_SINK_H_

#include <zlib.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "gtest/gtest.h"
#include "tools/importer/importer.h"

namespace persona::importer::testing {

namespace v1 = ::persona::v1;

class FakeSink : public Sink {
 public:
  // Returns a reason to refuse a record, or "" to accept it.
  template <typename T>
  using Rule = std::function<std::string(const T&)>;

  absl::StatusOr<BatchResult> PutItems(std::vector<v1::Item> batch) override {
    item_batches.push_back(batch.size());
    return Take(std::move(batch), reject_item, &items, "items");
  }
  absl::StatusOr<BatchResult> PutCustomers(std::vector<v1::Customer> batch) override {
    customer_batches.push_back(batch.size());
    return Take(std::move(batch), reject_customer, &customers, "customers");
  }
  absl::StatusOr<BatchResult> PutEvents(std::vector<v1::Event> batch) override {
    event_batches.push_back(batch.size());
    order.push_back('e');
    if (!fail_events.ok()) return fail_events;
    BatchResult result;
    for (size_t i = 0; i < batch.size(); ++i) {
      if (const std::string why = reject_event ? reject_event(batch[i]) : ""; !why.empty()) {
        result.rejected.push_back(Rejection("events", i, why));
      } else if (!batch[i].event_id().empty() && !event_ids.insert(batch[i].event_id()).second) {
        ++result.duplicates;
      } else {
        ++result.accepted;
        events.push_back(std::move(batch[i]));
      }
    }
    return result;
  }

  // Which kind of call came in order: 'i', 'c', 'e'.
  std::string CallOrder() const { return order; }

  Rule<v1::Item> reject_item;
  Rule<v1::Customer> reject_customer;
  Rule<v1::Event> reject_event;
  absl::Status fail_events = absl::OkStatus();

  std::vector<v1::Item> items;
  std::vector<v1::Customer> customers;
  std::vector<v1::Event> events;
  std::vector<size_t> item_batches, customer_batches, event_batches;
  absl::flat_hash_set<std::string> event_ids;
  std::string order;

 private:
  static v1::Rejection Rejection(const char* kind, size_t index, const std::string& why) {
    v1::Rejection r;
    r.set_index(static_cast<int>(index));
    r.set_field(std::string(kind) + "[" + std::to_string(index) + "].id");
    r.set_reason(why);
    return r;
  }
  template <typename T>
  BatchResult Take(std::vector<T> batch, const Rule<T>& rule, std::vector<T>* out,
                   const char* kind) {
    order.push_back(kind[0]);
    BatchResult result;
    for (size_t i = 0; i < batch.size(); ++i) {
      if (const std::string why = rule ? rule(batch[i]) : ""; !why.empty()) {
        result.rejected.push_back(Rejection(kind, i, why));
      } else {
        ++result.accepted;
        out->push_back(std::move(batch[i]));
      }
    }
    return result;
  }
};

// Writes `text` to a fresh file under the test's temporary directory; with
// `gzip`, compressed. Returns its path.
inline std::string WriteFile(const std::string& name, const std::string& text, bool gzip = false) {
  const std::string path = ::testing::TempDir() + "/" +
                           ::testing::UnitTest::GetInstance()->current_test_info()->name() + "_" +
                           name;
  if (gzip) {
    gzFile f = gzopen(path.c_str(), "wb");
    EXPECT_NE(f, nullptr);
    EXPECT_EQ(gzwrite(f, text.data(), static_cast<unsigned>(text.size())),
              static_cast<int>(text.size()));
    gzclose(f);
  } else {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
  }
  return path;
}

}  // namespace persona::importer::testing

#endif  // PERSONA_TESTS_TOOLS_FAKE_SINK_H_
