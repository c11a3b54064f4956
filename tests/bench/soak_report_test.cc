// The soak's summary (slope of RSS, p99 first vs last minute), CSV and plot.
#include "tests/bench/soak_report.h"

#include <algorithm>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace persona::bench {
namespace {

using ::testing::HasSubstr;

// Ten minutes of 5 s windows: RSS = base + growth per minute, p99 `early`
// in the first minute and `late` in the last.
std::vector<SoakWindow> TenMinutes(double base, double growth, double early,
                                   double late) {
  std::vector<SoakWindow> out;
  for (int w = 1; w <= 120; ++w) {
    SoakWindow row;
    row.end_s = 5 * w;
    row.ok = 5000;
    row.rate = 1000;
    row.p50_ms = 1;
    row.p99_ms = row.end_s <= 60 ? early : row.end_s > 540 ? late : 3;
    row.rss_mib = base + growth * row.end_s / 60;
    out.push_back(row);
  }
  return out;
}

TEST(SoakSummaryTest, FlatRunsHaveNoSlope) {
  const SoakSummary s = Summarize(TenMinutes(200, 0, 2, 2));
  EXPECT_DOUBLE_EQ(s.minutes, 10);
  EXPECT_EQ(s.calls, 120 * 5000);
  EXPECT_NEAR(s.mean_rate, 1000, 1e-9);
  EXPECT_NEAR(s.rss_slope_mib_per_min, 0, 1e-9);
  EXPECT_DOUBLE_EQ(s.p99_first_ms, 2);
  EXPECT_DOUBLE_EQ(s.p99_last_ms, 2);
}

TEST(SoakSummaryTest, GrowthAndADriftingP99Show) {
  const SoakSummary s = Summarize(TenMinutes(200, 3, 2, 9));
  EXPECT_NEAR(s.rss_slope_mib_per_min, 3, 1e-6);
  // The slope covers the last 80%: from minute 2 on.
  EXPECT_NEAR(s.rss_first_mib, 206, 1e-6);
  EXPECT_NEAR(s.rss_last_mib, 230, 1e-6);
  EXPECT_DOUBLE_EQ(s.p99_first_ms, 2);
  EXPECT_DOUBLE_EQ(s.p99_last_ms, 9);
}

TEST(SoakSummaryTest, AnEmptyRunIsAllZero) {
  const SoakSummary s = Summarize({});
  EXPECT_EQ(s.calls, 0);
  EXPECT_EQ(s.rss_slope_mib_per_min, 0);
}

TEST(SoakReportTest, CsvHasAHeaderAndARowPerWindow) {
  const std::string csv = SoakCsv(TenMinutes(100, 0, 1, 1));
  EXPECT_EQ(csv.rfind("end_s,rate,p50_ms,p99_ms,ok,errors,rss_mib\n", 0), 0u);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 121);
  EXPECT_THAT(csv, HasSubstr("\n5.0,1000.0,1.000,1.000,5000,0,100.0\n"));
}

TEST(SoakReportTest, SvgDrawsThreePanelsWithTheTitle) {
  const std::string svg = SoakSvg(TenMinutes(100, 1, 1, 2), "soak <test>");
  EXPECT_EQ(svg.rfind("<svg ", 0), 0u);
  EXPECT_THAT(svg, HasSubstr("</svg>"));
  size_t polylines = 0;
  for (size_t at = svg.find("<polyline"); at != std::string::npos;
       at = svg.find("<polyline", at + 1)) {
    ++polylines;
  }
  EXPECT_EQ(polylines, 4u);  // rate, p50, p99, RSS
  EXPECT_THAT(svg, HasSubstr("persona-server RSS (MiB)"));
  EXPECT_THAT(svg, HasSubstr(">soak &lt;test&gt;</text>"));
}

}  // namespace
}  // namespace persona::bench
