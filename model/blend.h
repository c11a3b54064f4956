// Blending several recommenders' answers into one list for a placement.
//
// Scores of different recommenders are not comparable (popularity counts,
// factor dot products, co-occurrence cosines), so the blend uses weighted
// reciprocal-rank fusion (Cormack, Clarke and Buettcher 2009): an item's
// blended score is the sum over the lists that contain it of
// weight / (k + rank), rank counted from 1. Each blended item keeps the
// ScoredItem (reason, anchor) of the list that contributed most to it.
// Pure functions: thread-safe.
#ifndef PERSONA_MODEL_BLEND_H_
#define PERSONA_MODEL_BLEND_H_

#include <cstdint>
#include <span>
#include <vector>

#include "model/recommender.h"

namespace persona::model {

// One recommender's answer and its weight in the blend.
struct RankedList {
  std::span<const ScoredItem> items;
  double weight = 1.0;
};

struct BlendedItem {
  // The item with the reason of its strongest contribution.
  ScoredItem item;
  // The fused score (higher is better).
  double score = 0;
  // Index into the lists passed to Blend of the strongest contribution.
  int32_t source = -1;
};

struct BlendOptions {
  // The RRF constant: larger values flatten the rank discount (default 60,
  // the value of the original paper).
  double k = 60;
};

// Fuses `lists` and returns every item that appears in any of them, best
// first; ties keep the order of first appearance (earlier lists, then rank).
std::vector<BlendedItem> Blend(std::span<const RankedList> lists, const BlendOptions& options = {});

}  // namespace persona::model

#endif  // PERSONA_MODEL_BLEND_H_
