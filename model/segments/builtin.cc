#include "model/segments/builtin.h"

#include <array>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace persona::model::segments {
namespace {

constexpr std::array<absl::string_view, kNumRfmGroups> kRfmGroupNames = {
    "champions",      "loyal",       "potential_loyalist", "new",         "promising",
    "need_attention", "about_to_sleep", "at_risk",         "cannot_lose", "hibernating",
    "lost"};

// kGrid[r - 1][f - 1].
using G = RfmGroup;
constexpr G kGrid[5][5] = {
    {G::kLost, G::kLost, G::kAtRisk, G::kAtRisk, G::kCannotLose},                       // r 1
    {G::kHibernating, G::kHibernating, G::kAtRisk, G::kAtRisk, G::kCannotLose},         // r 2
    {G::kAboutToSleep, G::kAboutToSleep, G::kNeedAttention, G::kLoyal, G::kLoyal},      // r 3
    {G::kPromising, G::kPotentialLoyalist, G::kPotentialLoyalist, G::kLoyal, G::kLoyal},  // r 4
    {G::kNew, G::kPotentialLoyalist, G::kPotentialLoyalist, G::kChampions, G::kChampions},  // r 5
};

constexpr absl::string_view kFlags[] = {"viewed_not_bought", "abandoned_cart"};
constexpr absl::string_view kNpsNames[] = {"nps:promoter", "nps:passive", "nps:detractor"};
constexpr absl::string_view kFeedbackFlags[] = {"low_satisfaction", "high_return_rate"};
constexpr int kPersonaLimit = 64;

}  // namespace

absl::Status ValidateThresholds(const SegmentThresholds& t) {
  absl::Status status = ValidateThresholds(t.lifecycle);
  if (!status.ok()) return absl::InvalidArgumentError(absl::StrCat("lifecycle.", status.message()));
  status = ValidateThresholds(t.feedback);
  if (!status.ok()) return absl::InvalidArgumentError(absl::StrCat("feedback.", status.message()));
  return absl::OkStatus();
}

std::optional<RfmGroup> ClassifyRfmGroup(const RfmScore& rfm) {
  if (rfm.r < 1 || rfm.r > 5 || rfm.f < 1 || rfm.f > 5) return std::nullopt;
  return kGrid[rfm.r - 1][rfm.f - 1];
}

absl::string_view RfmGroupName(RfmGroup group) { return kRfmGroupNames[static_cast<int>(group)]; }

std::vector<std::string> BuiltInSegments(const CustomerFacts& facts, const RfmScore& rfm,
                                         Stage stage, const SegmentThresholds& t, int64_t now_ms) {
  std::vector<std::string> out;
  out.push_back(absl::StrCat("stage:", StageName(stage)));
  if (auto group = ClassifyRfmGroup(rfm)) out.push_back(absl::StrCat("rfm:", RfmGroupName(*group)));
  if (ViewedNotBought(facts, t.lifecycle, now_ms)) out.emplace_back(kFlags[0]);
  if (AbandonedCart(facts, t.lifecycle, now_ms)) out.emplace_back(kFlags[1]);
  if (auto nps = ClassifyNps(facts, t.feedback)) out.emplace_back(kNpsNames[static_cast<int>(*nps)]);
  if (LowSatisfaction(facts, t.feedback, now_ms)) out.emplace_back(kFeedbackFlags[0]);
  if (HighReturnRate(facts, t.feedback)) out.emplace_back(kFeedbackFlags[1]);
  if (facts.persona >= 0) out.push_back(absl::StrCat("persona:", facts.persona));
  return out;
}

std::vector<std::string> BuiltInSegmentNames(int k_personas) {
  std::vector<std::string> out;
  for (int s = 0; s < kNumStages; ++s) {
    out.push_back(absl::StrCat("stage:", StageName(static_cast<Stage>(s))));
  }
  for (absl::string_view g : kRfmGroupNames) out.push_back(absl::StrCat("rfm:", g));
  for (absl::string_view f : kFlags) out.emplace_back(f);
  for (absl::string_view n : kNpsNames) out.emplace_back(n);
  for (absl::string_view f : kFeedbackFlags) out.emplace_back(f);
  for (int p = 0; p < k_personas; ++p) out.push_back(absl::StrCat("persona:", p));
  return out;
}

bool IsBuiltInSegmentName(absl::string_view name) {
  if (absl::StartsWith(name, "persona:")) {
    const absl::string_view digits = name.substr(8);
    if (digits.empty() || digits.size() > 2 || (digits.size() == 2 && digits[0] == '0')) {
      return false;
    }
    int p = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return false;
      p = p * 10 + (c - '0');
    }
    return p < kPersonaLimit;
  }
  for (const std::string& n : BuiltInSegmentNames(0)) {
    if (n == name) return true;
  }
  return false;
}

}  // namespace persona::model::segments
