// Seeded random rule texts, request filters and visitors for property tests
// of the pipeline, each generated together with its model (pipeline_model.h).
// Not thread-safe: one generator per test.
#ifndef PERSONA_TESTS_SERVER_PIPELINE_RANDOM_H_
#define PERSONA_TESTS_SERVER_PIPELINE_RANDOM_H_

#include <functional>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/server/pipeline_model.h"

namespace persona::server::pipeline_testing {

class RandomPipeline {
 public:
  explicit RandomPipeline(uint64_t seed) : rng_(seed) {}

  int Uniform(int n) {
    return static_cast<int>(rng_() % static_cast<uint64_t>(n));
  }
  bool Chance(int percent) { return Uniform(100) < percent; }
  int32_t AnyItem() { return Uniform(kItems); }
  const model::ItemInfo& Info(int32_t i) const { return Shop().infos[i]; }

  // 1..4 ids: catalog items (any availability) and sometimes an unknown one.
  std::vector<std::string> SomeIds(std::set<int32_t>* known) {
    std::vector<std::string> ids;
    for (int n = 1 + Uniform(4); n > 0; --n) {
      const int32_t i = AnyItem();
      ids.push_back(Info(i).id);
      if (known != nullptr) known->insert(i);
    }
    if (Chance(20)) ids.push_back("unknown-sku");
    return ids;
  }
  static std::string List(const std::vector<std::string>& v) {
    return "[\"" + absl::StrJoin(v, "\", \"") + "\"]";
  }

  std::pair<std::string, Pred> Leaf() {
    const std::string top = kTops[Uniform(5)];
    const std::string sub = top + "/" + kSubs[Uniform(3)];
    const std::string brand = Uniform(8) == 7 ? "Nope" : kBrands[Uniform(7)];
    const std::string tag =
        std::vector<std::string>{"sale", "eco", "gift", "none"}[Uniform(4)];
    const std::string color = kColors[Uniform(3)];
    const double x = 1 + Uniform(200);
    const int64_t n = Uniform(20);
    switch (Uniform(20)) {
      case 0:
        return {"category under \"" + top + "\"",
                [=, this](int32_t i) { return Under(Info(i), top); }};
      case 1:
        return {"category under [\"" + sub + "\", \"" + top + "\"]",
                [=, this](int32_t i) {
                  return Under(Info(i), sub) || Under(Info(i), top);
                }};
      case 2: {
        const std::string node = Chance(30) ? top : sub;
        return {"category = \"" + node + "\"",
                [=, this](int32_t i) { return Path(Info(i)) == node; }};
      }
      case 3:
        return {"brand = \"" + brand + "\"",
                [=, this](int32_t i) { return Info(i).brand == brand; }};
      case 4:
        return {"brand != \"" + brand + "\"",
                [=, this](int32_t i) { return Info(i).brand != brand; }};
      case 5: {
        const std::string other = kBrands[Uniform(7)];
        return {"brand in [\"" + brand + "\", \"" + other + "\"]",
                [=, this](int32_t i) {
                  return Info(i).brand == brand || Info(i).brand == other;
                }};
      }
      case 6:
        return {"tag = \"" + tag + "\"",
                [=, this](int32_t i) { return HasTag(Info(i), tag); }};
      case 7: {
        std::set<int32_t> known;
        const std::string list = List(SomeIds(&known));
        return {"id in " + list,
                [=, this](int32_t i) { return known.contains(i); }};
      }
      case 8: {
        const double hi = x + Uniform(100);
        return {absl::StrCat("price between ", x, " and ", hi),
                [=, this](int32_t i) {
                  return Info(i).price >= x && Info(i).price <= hi;
                }};
      }
      case 9:
        return {absl::StrCat("price < ", x),
                [=, this](int32_t i) { return Info(i).price < x; }};
      case 10:
        return {absl::StrCat("stock >= ", n),
                [=, this](int32_t i) { return Info(i).stock >= n; }};
      case 11:
        return {absl::StrCat("stock != ", n),
                [=, this](int32_t i) { return Info(i).stock != n; }};
      case 12: {
        const int days = 1 + Uniform(100);
        return {absl::StrCat("created within ", days, "d"),
                [=, this](int32_t i) {
                  return Info(i).created_time_ms >= kNow - days * kDay;
                }};
      }
      case 13: {
        const std::pair<const char*, int64_t> dates[] = {
            {"2026-02-20", kNow - 9 * kDay},
            {"2026-01-15", kNow - 45 * kDay},
            {"2025-12-01T00:00:00Z", kNow - 90 * kDay}};
        const auto [date, ms] = dates[Uniform(3)];
        if (Chance(50)) {
          return {
              absl::StrCat("created after \"", date, "\""),
              [=, this](int32_t i) { return Info(i).created_time_ms >= ms; }};
        }
        return {absl::StrCat("created before \"", date, "\""),
                [=, this](int32_t i) { return Info(i).created_time_ms < ms; }};
      }
      case 14:
        return {"in_stock", [=, this](int32_t i) {
                  return Info(i).availability == model::Availability::kInStock;
                }};
      case 15:
        return {"availability != preorder", [=, this](int32_t i) {
                  return Info(i).availability != model::Availability::kPreorder;
                }};
      case 16:
        return {"attr.color = \"" + color + "\"", [=, this](int32_t i) {
                  return Attr(Info(i), "color") == color;
                }};
      case 17: {
        const int tenths = Uniform(10);
        return {absl::StrCat("attr.margin > 0.", tenths), [=, this](int32_t i) {
                  const std::string m = Attr(Info(i), "margin");
                  return !m.empty() && std::stod(m) > tenths / 10.0;
                }};
      }
      case 18:
        return {"attr.size exists", [=, this](int32_t i) {
                  return !Attr(Info(i), "size").empty();
                }};
      default:
        return {"attr.size in [\"M\", \"L\"]", [=, this](int32_t i) {
                  const std::string s = Attr(Info(i), "size");
                  return s == "M" || s == "L";
                }};
    }
  }

  // An expression of up to `depth` levels of and / or / not.
  std::pair<std::string, Pred> Expr(int depth) {
    if (depth == 0 || Chance(40)) return Leaf();
    auto a = Expr(depth - 1);
    if (Chance(25)) {
      return {"not (" + a.first + ")",
              [p = a.second](int32_t i) { return !p(i); }};
    }
    auto b = Expr(depth - 1);
    if (Chance(50)) {
      return {"(" + a.first + ") and (" + b.first + ")",
              [p = a.second, q = b.second](int32_t i) { return p(i) && q(i); }};
    }
    return {"(" + a.first + ") or " + b.first,
            [p = a.second, q = b.second](int32_t i) { return p(i) || q(i); }};
  }

  // 0..5 statements of every kind.
  RuleModel Rules() {
    RuleModel m;
    std::vector<std::string> statements;
    // "#" comments out the rest of the line, so comments only with newlines.
    const bool lines = Chance(50);
    for (int n = Uniform(6); n > 0; --n) {
      std::string s;
      switch (Uniform(15)) {
        case 0:
        case 1: {
          auto [text, pred] = Expr(2);
          s = "filter " + text;
          m.filters.push_back(pred);
          break;
        }
        case 2:
        case 3: {
          auto [text, pred] = Expr(2);
          s = "exclude " + text;
          m.excludes.push_back(pred);
          break;
        }
        case 4:
          s = "exclude cart";
          m.exclude_cart = true;
          break;
        case 5: {
          const int days[] = {0, 3, 7, 30, 90};
          const int d = days[Uniform(5)];
          s = d == 0 ? "exclude bought"
                     : absl::StrCat("exclude bought within ", d, "d");
          RuleModel one;
          one.bought_within = d * kDay;
          m.Merge(one);
          break;
        }
        case 6: {
          const int times = 1 + Uniform(3), days = 1 + Uniform(14);
          s = absl::StrCat("exclude shown ", times, " times within ", days,
                           "d");
          m.shown.push_back({times, days * kDay});
          break;
        }
        case 7: {
          std::set<int32_t> known;
          s = "exclude ids " + List(SomeIds(&known));
          m.excludes.push_back(
              [known](int32_t i) { return known.contains(i); });
          break;
        }
        // Arguments are drawn one statement at a time: the order of
        // evaluation of function arguments is unspecified.
        case 8: {
          const char* kind = Chance(50) ? "boost 2" : "bury 0.5";
          s = absl::StrCat(kind, " if ", Expr(1).first);
          break;
        }
        case 9: {
          const char* fields[] = {"price", "stock", "created", "attr.margin"};
          const char* field = fields[Uniform(4)];
          s = absl::StrCat("boost by ", field, " weight ",
                           Chance(50) ? "0.5" : "-0.5");
          break;
        }
        case 10: {
          const int percent[] = {10, 25, 50, 100};
          const int p = percent[Uniform(4)];
          s = absl::StrCat("promote ", p, "% if ", Expr(1).first);
          break;
        }
        case 11:
          s = "pin " + List(SomeIds(nullptr));
          break;
        case 12: {
          const char* keys[] = {"category", "category2", "brand"};
          const char* key = keys[Uniform(3)];
          s = absl::StrCat("max per ", key, " ", 1 + Uniform(3));
          break;
        }
        case 13:
          s = Chance(50) ? "diversity 0.3" : "diversity 1";
          break;
        default:
          s = lines ? "# a comment" : "max per brand 5";
          break;
      }
      statements.push_back(s);
    }
    m.text = absl::StrJoin(statements, lines ? "\n" : "; ");
    return m;
  }

  FilterModel Filter() {
    FilterModel f;
    if (!Chance(30)) return f;
    f.present = true;
    std::vector<Pred> parts;
    if (Chance(50)) {
      const std::string top = kTops[Uniform(5)];
      f.proto.add_category_path(top);
      std::string path = top;
      if (Chance(50)) {
        f.proto.add_category_path(kSubs[Uniform(3)]);
        path += "/" + f.proto.category_path(1);
      }
      parts.push_back(
          [path](int32_t i) { return Under(Shop().infos[i], path); });
    }
    if (Chance(40)) {
      const double lo = Uniform(120);
      f.proto.set_min_price(lo);
      parts.push_back([lo](int32_t i) { return Shop().infos[i].price >= lo; });
    }
    if (Chance(40)) {
      const double hi = 40 + Uniform(160);
      f.proto.set_max_price(hi);
      parts.push_back([hi](int32_t i) { return Shop().infos[i].price <= hi; });
    }
    if (Chance(30)) {
      f.proto.set_in_stock_only(true);
      parts.push_back([](int32_t i) {
        return Shop().infos[i].availability == model::Availability::kInStock;
      });
    }
    if (Chance(30)) {
      const std::string a = kBrands[Uniform(7)], b = kBrands[Uniform(7)];
      f.proto.add_brands(a);
      f.proto.add_brands(b);
      parts.push_back([a, b](int32_t i) {
        return Shop().infos[i].brand == a || Shop().infos[i].brand == b;
      });
    }
    f.allows = [parts](int32_t i) {
      for (const Pred& p : parts) {
        if (!p(i)) return false;
      }
      return true;
    };
    return f;
  }

  Visitor MakeVisitor() {
    Visitor v;
    v.subject_id = absl::StrCat("visitor-", Uniform(1000));
    if (Chance(50)) {
      v.country = "DE";
      v.country_id = Shop().snap.popularity->CountryId("DE");
    }
    if (Chance(30)) {
      v.preferred_categories.push_back(
          Shop().snap.catalog->CategoryId(kTops[Uniform(5)]));
    }
    for (int n = Uniform(7); n > 0; --n) {
      v.history.push_back({AnyItem(), 1.0f, kNow - (1 + Uniform(30)) * kDay,
                           Chance(70) ? model::InteractionKind::kView
                                      : model::InteractionKind::kPurchase});
    }
    for (int n = Uniform(4); n > 0; --n) v.cart.push_back(AnyItem());
    std::set<int32_t> bought;
    for (int n = Uniform(7); n > 0; --n) {
      // Half of them items 15k + 6, mostly in the repeat-purchase category.
      const int32_t i = Chance(50) ? 1 + 5 * (3 * Uniform(20) + 1) : AnyItem();
      const int64_t time = kNow - Uniform(120) * kDay - Uniform(24) * 3'600'000;
      if (bought.insert(i).second) v.bought.push_back({i, time});
    }
    std::set<int32_t> shown;
    for (int n = Uniform(7); n > 0; --n) {
      const int32_t i = AnyItem();
      if (!shown.insert(i).second) continue;
      Visitor::Shown s{i, {}};
      for (int k = 1 + Uniform(4); k > 0; --k) {
        s.times_ms.push_back(kNow - Uniform(15) * kDay -
                             Uniform(24) * 3'600'000);
      }
      std::sort(s.times_ms.begin(), s.times_ms.end());
      v.shown.push_back(std::move(s));
    }
    return v;
  }

 private:
  std::mt19937_64 rng_;
};

}  // namespace persona::server::pipeline_testing

#endif  // PERSONA_TESTS_SERVER_PIPELINE_RANDOM_H_
