// The interface every recommender implements (popularity, trending, ALS,
// co-occurrence, ...), so that a placement can blend them and fall back from
// one to the next. Items are dense indices into the shop's catalog snapshot.
// Implementations are immutable once built: Recommend is const and may be
// called from many threads at once.
#ifndef PERSONA_MODEL_RECOMMENDER_H_
#define PERSONA_MODEL_RECOMMENDER_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/item_mask.h"

namespace persona::model {

// Why an item was chosen; the server turns this into readable text.
enum class Reason {
  kPopular,
  kPopularInCountry,
  kPopularInCategory,
  kTrending,
  kPersonalized,
  kBoughtTogether,
  kSimilarToViewed,
  kNewArrival,
  kRecentlyViewed,
  kBuyAgain,
  kDeclaredPreference,
  // Sold well among customers of the visitor's lifecycle stage.
  kPopularInSegment,
};

struct ScoredItem {
  int32_t item = -1;
  // Higher is better; comparable only within one recommender's answer.
  double score = 0;
  Reason reason = Reason::kPopular;
  // The item that explains the choice ("because you viewed X"), or -1.
  int32_t anchor = -1;
  // The category that explains the choice, or -1.
  int32_t category = -1;
};

// What kind of behaviour an interaction was (for placements such as
// "recently viewed" and "buy it again"; the model itself uses the weight).
enum class InteractionKind : uint8_t { kView, kCart, kPurchase, kOther };

// One past interaction of the customer or session, newest last.
struct Interaction {
  int32_t item = -1;
  // Confidence weight (purchase > cart > view); negative for returns/removals.
  float weight = 1.0f;
  int64_t time_ms = 0;
  InteractionKind kind = InteractionKind::kOther;
};

// Everything a recommender may use for one request. Views are only valid
// during the call.
struct RecommendContext {
  int64_t now_ms = 0;
  // How many items to return at most.
  int count = 10;
  // Items that may be returned. Required.
  const ItemMask* allowed = nullptr;
  // Items on the page (viewed product, cart contents).
  std::span<const int32_t> context_items;
  // The subject's interactions with catalog items; empty when not personalised.
  std::span<const Interaction> history;
  // Country id of the customer (see the popularity index), or -1.
  int32_t country = -1;
  // Category ids the customer prefers, strongest first (declared preferences
  // and affinities); empty when not personalised.
  std::span<const int32_t> preferred_categories;
  // Whether behaviour may be used.
  bool personalized = false;
};

class Recommender {
 public:
  virtual ~Recommender() = default;
  // Returns up to ctx.count allowed items, best first. Never returns an item
  // outside *ctx.allowed, and never the same item twice.
  virtual std::vector<ScoredItem> Recommend(const RecommendContext& ctx) const = 0;
  // A short name for responses and metrics, e.g. "popularity".
  virtual std::string_view name() const = 0;
};

}  // namespace persona::model

#endif  // PERSONA_MODEL_RECOMMENDER_H_
