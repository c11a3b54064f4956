#include "model/model_record.h"

#include <zlib.h>

#include <cstring>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace persona::model {
namespace {

ModelRecord Sample() {
  ModelRecord r;
  r.options.factors = 3;
  r.options.regularization = 30;
  r.options.alpha = 1.5f;
  r.options.scaling = ConfidenceScaling::kLog;
  r.options.seed = 99;
  r.weighting = *Bm25Weighting::FromParts(100, 0.8f, 12.5, 2, {0.1f, 0.2f, 0.0f, 0.4f});
  r.factors.num_users = 2;
  r.factors.num_items = 4;
  r.factors.factors = 3;
  for (int i = 0; i < 6; ++i) r.factors.user_factors.push_back(0.5f * i - 1);
  for (int i = 0; i < 12; ++i) r.factors.item_factors.push_back(0.25f * i);
  r.item_ids = {"sku-1", "sku-2", "", "ünïcode"};
  r.user_ids = {"alice", "bob"};
  r.metrics = {{"ndcg@10", 0.497}, {"precision@10", 0.432}};
  r.trained_at_ms = 1'700'000'000'000;
  r.training_time_ms = 250;
  return r;
}

TEST(ModelRecordTest, RoundTrips) {
  const ModelRecord r = Sample();
  absl::StatusOr<std::string> bytes = SerializeModelRecord(r);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  absl::StatusOr<ModelRecord> back = ParseModelRecord(*bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->options.factors, 3);
  EXPECT_EQ(back->options.regularization, 30);
  EXPECT_EQ(back->options.alpha, 1.5f);
  EXPECT_EQ(back->options.scaling, ConfidenceScaling::kLog);
  EXPECT_EQ(back->options.seed, 99u);
  ASSERT_TRUE(back->weighting.has_value());
  EXPECT_EQ(back->weighting->k1(), 100.0f);
  EXPECT_EQ(back->weighting->b(), 0.8f);
  EXPECT_EQ(back->weighting->avg_len(), 12.5);
  EXPECT_EQ(back->weighting->num_users(), 2);
  EXPECT_EQ(back->weighting->idf(), r.weighting->idf());
  EXPECT_EQ(back->factors.user_factors, r.factors.user_factors);
  EXPECT_EQ(back->factors.item_factors, r.factors.item_factors);
  EXPECT_EQ(back->item_ids, r.item_ids);
  EXPECT_EQ(back->user_ids, r.user_ids);
  EXPECT_EQ(back->metrics, r.metrics);
  EXPECT_EQ(back->trained_at_ms, r.trained_at_ms);
  EXPECT_EQ(back->training_time_ms, 250);
}

TEST(ModelRecordTest, RoundTripsWithoutWeighting) {
  ModelRecord r = Sample();
  r.weighting.reset();
  absl::StatusOr<ModelRecord> back = ParseModelRecord(*SerializeModelRecord(r));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_FALSE(back->weighting.has_value());
  EXPECT_EQ(back->factors.item_factors, r.factors.item_factors);
}

// A well-formed record of another format version (checksum recomputed) is
// refused as FAILED_PRECONDITION, not DATA_LOSS.
TEST(ModelRecordTest, OtherVersionsAreRefused) {
  for (uint32_t version : {1u, 3u}) {
    std::string bytes = *SerializeModelRecord(Sample());
    std::memcpy(bytes.data() + 8, &version, 4);
    const size_t body = bytes.size() - 4;
    const uint32_t crc = static_cast<uint32_t>(
        crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(bytes.data()), body));
    std::memcpy(bytes.data() + body, &crc, 4);
    EXPECT_EQ(ParseModelRecord(bytes).status().code(), absl::StatusCode::kFailedPrecondition)
        << version;
  }
}

TEST(ModelRecordTest, EveryFlippedByteIsDetected) {
  const std::string bytes = *SerializeModelRecord(Sample());
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] ^= 0x10;
    EXPECT_EQ(ParseModelRecord(bad).status().code(), absl::StatusCode::kDataLoss) << i;
  }
}

TEST(ModelRecordTest, TruncationIsDetected) {
  const std::string bytes = *SerializeModelRecord(Sample());
  for (size_t n : {size_t{0}, size_t{7}, size_t{20}, bytes.size() - 1}) {
    EXPECT_EQ(ParseModelRecord(bytes.substr(0, n)).status().code(), absl::StatusCode::kDataLoss) << n;
  }
}

// A record whose id list is shorter than its factor rows (with a valid
// checksum) is refused: loading it would index ids past the end. Found by the
// model_record fuzzer (Serialize refused what Parse had accepted).
TEST(ModelRecordTest, ParseRefusesIdCountsThatDoNotMatchTheRows) {
  std::string bytes = *SerializeModelRecord(Sample());
  const std::string two_users("\x02\0\0\0\x05\0\0\0alice\x03\0\0\0bob", 20);
  const std::string one_user("\x01\0\0\0\x05\0\0\0alice", 13);
  const size_t at = bytes.find(two_users);
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at, two_users.size(), one_user);
  const size_t body = bytes.size() - 4;
  const uint32_t crc = static_cast<uint32_t>(
      crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(bytes.data()), body));
  std::memcpy(bytes.data() + body, &crc, 4);
  const absl::StatusOr<ModelRecord> parsed = ParseModelRecord(bytes);
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(parsed.status().message(), testing::HasSubstr("id count"));
}

TEST(ModelRecordTest, RejectsInconsistentSizes) {
  ModelRecord r = Sample();
  r.factors.item_factors.pop_back();
  EXPECT_EQ(SerializeModelRecord(r).status().code(), absl::StatusCode::kInvalidArgument);
  r = Sample();
  r.item_ids.pop_back();
  EXPECT_EQ(SerializeModelRecord(r).status().code(), absl::StatusCode::kInvalidArgument);
  r = Sample();
  r.user_ids.clear();  // ids are optional
  EXPECT_TRUE(SerializeModelRecord(r).ok());
  r = Sample();
  r.weighting = *Bm25Weighting::FromParts(100, 0.8f, 1.0, 2, {0.1f});  // 1 item, not 4
  EXPECT_EQ(SerializeModelRecord(r).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace persona::model
