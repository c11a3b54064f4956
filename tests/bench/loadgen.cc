// persona-loadgen: measures, in one run on one machine, an empty gRPC call
// (in-process echo), a bare RocksDB WriteBatch loop, and persona-server's
// Recommend, unary TrackEvents and StreamEvents on the demo shop, and prints
// Persona's figures as ratios to the references. All traffic stays on
// 127.0.0.1; every phase is bounded by --warmup + --duration.
// Exits 1 when any phase fails (an error status, a wrong answer, nothing
// done), never because of a time or a ratio; exits 2 on bad flags.
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "persona/v1/events.grpc.pb.h"
#include "tests/bench/als_phase.h"
#include "tests/bench/campaign_phase.h"
#include "tests/bench/echo_reference.h"
#include "tests/bench/event_stream.h"
#include "tests/bench/persona_phases.h"
#include "tests/bench/report.h"
#include "tests/bench/rocksdb_reference.h"
#include "tests/bench/soak_phase.h"
#include "tests/testing/server_process.h"

ABSL_FLAG(double, duration, 5.0, "Seconds measured per phase.");
ABSL_FLAG(double, warmup, 1.0,
          "Seconds of unmeasured warm-up before each phase's window.");
ABSL_FLAG(int, concurrency, 16,
          "Outstanding calls of the echo and Recommend phases.");
ABSL_FLAG(int, ingest_concurrency, 4,
          "Outstanding TrackEvents calls of the unary ingest phase.");
ABSL_FLAG(
    int, batch, 100,
    "Events per TrackEvents call, stream message and RocksDB WriteBatch.");
ABSL_FLAG(int, streams, 1, "Concurrent StreamEvents streams.");
ABSL_FLAG(int, stream_window, 8, "Unacknowledged batches per stream.");
ABSL_FLAG(int, customers, 10000,
          "Customers sending events (the shop's known ones first).");
ABSL_FLAG(int, sessions, 2000, "Anonymous sessions sending events.");
ABSL_FLAG(int, echo_payload, 0, "Payload bytes of each echo call.");
ABSL_FLAG(std::string, demo_csv, PERSONA_DEMO_CSV,
          "Online Retail CSV(.gz) the server loads as the demo shop; empty or "
          "missing: a "
          "made-up shop loaded through the API.");
ABSL_FLAG(int, synthetic_items, 2000, "Items of the made-up shop.");
ABSL_FLAG(int, synthetic_customers, 2000,
          "Customers with a history in the made-up shop.");
ABSL_FLAG(std::string, server, "",
          "The persona-server binary (default: the one of this build).");
ABSL_FLAG(std::string, keep_server_data, "",
          "Run persona-server on this new directory and keep it afterwards "
          "(for inspection); default: a temporary directory.");
ABSL_FLAG(std::string, phases, "echo,rocksdb,recommend,unary,stream",
          "Phases to run.");
ABSL_FLAG(std::string, json, "",
          "Also write the results as JSON to this file ('-': stdout).");
ABSL_FLAG(bool, smoke, false,
          "Quick check for ctest: a small shop and short warm-ups; every phase "
          "must work.");
ABSL_FLAG(uint64_t, seed, 1, "Seed of the traffic.");
ABSL_FLAG(bool, als100k, false,
          "Also run the ALS phase: a separate persona-server with a synthetic "
          "shop of --als_items items, trained, Recommend through the fold-in "
          "path (slow: loading and training take minutes).");
ABSL_FLAG(int, als_items, 100000, "Items of the ALS phase's shop.");
ABSL_FLAG(int, als_customers, 20000, "Customers of the ALS phase's shop.");
ABSL_FLAG(int, als_events, 20, "Events per customer in the ALS phase's shop.");
ABSL_FLAG(int, page_customers, 500,
          "Customers of the ALS phase's whole-page measurement (0 skips it).");
ABSL_FLAG(int, page_events, 100, "Events of each page customer.");
ABSL_FLAG(int, campaign_customers, 100000,
          "Customers of the campaign phase's shop; the campaign emails all.");
ABSL_FLAG(std::string, campaign_items, "10000,100000",
          "Catalog sizes of the campaign phase (one server each).");
ABSL_FLAG(int, campaign_events, 20, "Events per customer in the campaign phase's shop.");
ABSL_FLAG(double, soak_minutes, 10,
          "Minutes of the soak phase's open-loop run (its capacity is measured "
          "first, closed loop, for --duration after --warmup at --concurrency).");
ABSL_FLAG(double, soak_load, 0.8, "The soak's rate as a share of the measured capacity.");
ABSL_FLAG(double, soak_window, 5, "Seconds per recorded soak window.");
ABSL_FLAG(double, soak_track_share, 0.5, "Share of the soak's calls that are TrackEvents.");
ABSL_FLAG(int, soak_track_batch, 1, "Events per TrackEvents call of the soak.");
ABSL_FLAG(std::string, soak_csv, "", "Write the soak's windows as CSV to this file.");
ABSL_FLAG(std::string, soak_svg, "", "Write the soak's plot (SVG) to this file.");
ABSL_FLAG(std::string, campaign_audience, "rule",
          "The campaign's audience: 'rule' (orders >= 0, a sequential scan) or "
          "'list' (every customer's id, a point read each).");

namespace persona::bench {
namespace {

struct Settings {
  double duration, warmup;
  int concurrency, ingest_concurrency, batch, streams, window, customers,
      sessions;
  int synthetic_items, synthetic_customers, pool_events;
  std::set<std::string> phases;
  uint64_t seed;
};

Settings ReadFlags() {
  Settings s;
  s.duration = absl::GetFlag(FLAGS_duration);
  s.warmup = absl::GetFlag(FLAGS_warmup);
  s.concurrency = absl::GetFlag(FLAGS_concurrency);
  s.ingest_concurrency = absl::GetFlag(FLAGS_ingest_concurrency);
  s.batch = absl::GetFlag(FLAGS_batch);
  s.streams = absl::GetFlag(FLAGS_streams);
  s.window = absl::GetFlag(FLAGS_stream_window);
  s.customers = absl::GetFlag(FLAGS_customers);
  s.sessions = absl::GetFlag(FLAGS_sessions);
  s.synthetic_items = absl::GetFlag(FLAGS_synthetic_items);
  s.synthetic_customers = absl::GetFlag(FLAGS_synthetic_customers);
  s.pool_events = 4096;
  s.seed = absl::GetFlag(FLAGS_seed);
  for (auto p :
       absl::StrSplit(absl::GetFlag(FLAGS_phases), ',', absl::SkipEmpty())) {
    s.phases.insert(std::string(p));
  }
  if (absl::GetFlag(FLAGS_smoke)) {
    s.warmup = std::min(s.warmup, 0.1);
    s.customers = std::min(s.customers, 1000);
    s.sessions = std::min(s.sessions, 200);
    s.synthetic_items = std::min(s.synthetic_items, 300);
    s.synthetic_customers = std::min(s.synthetic_customers, 200);
    s.pool_events = 512;
  }
  return s;
}

// --campaign_items as numbers; empty when any is not a size >= 100.
std::vector<int> CampaignCatalogs() {
  std::vector<int> out;
  for (auto part : absl::StrSplit(absl::GetFlag(FLAGS_campaign_items), ',',
                                  absl::SkipEmpty())) {
    int items = 0;
    if (!absl::SimpleAtoi(part, &items) || items < 100) return {};
    out.push_back(items);
  }
  return out;
}

std::string CheckSettings(const Settings& s) {
  static const std::set<std::string> kPhases = {"echo", "rocksdb", "recommend",
                                                "unary", "stream", "campaign", "soak"};
  for (const auto& p : s.phases) {
    if (!kPhases.contains(p))
      return absl::StrCat("--phases: unknown phase '", p, "'");
  }
  if (!(s.duration > 0 && s.duration <= 600))
    return "--duration must be in (0, 600]";
  if (!(s.warmup >= 0 && s.warmup <= 60)) return "--warmup must be in [0, 60]";
  if (s.concurrency < 1 || s.concurrency > 1024)
    return "--concurrency must be in 1..1024";
  if (s.ingest_concurrency < 1 || s.ingest_concurrency > 256)
    return "--ingest_concurrency must be in 1..256";
  if (s.batch < 1 || s.batch > 1000) return "--batch must be in 1..1000";
  if (s.streams < 1 || s.streams > 64 || s.window < 1 || s.window > 1024) {
    return "--streams must be in 1..64 and --stream_window in 1..1024";
  }
  if (s.customers < 1 || s.sessions < 1)
    return "--customers and --sessions must be positive";
  if (s.synthetic_items < 10 || s.synthetic_customers < 1) {
    return "--synthetic_items must be at least 10 and --synthetic_customers "
           "positive";
  }
  if (absl::GetFlag(FLAGS_als_items) < 100 ||
      absl::GetFlag(FLAGS_als_customers) < 1 ||
      absl::GetFlag(FLAGS_als_events) < 1) {
    return "--als_items must be at least 100, --als_customers and "
           "--als_events positive";
  }
  if (absl::GetFlag(FLAGS_campaign_customers) < 1 ||
      absl::GetFlag(FLAGS_campaign_customers) > 100000 ||
      absl::GetFlag(FLAGS_campaign_events) < 1) {
    return "--campaign_customers must be in 1..100000 and --campaign_events "
           "positive";
  }
  if (CampaignCatalogs().empty()) {
    return "--campaign_items must list catalog sizes, each at least 100";
  }
  if (!(absl::GetFlag(FLAGS_soak_minutes) > 0 && absl::GetFlag(FLAGS_soak_minutes) <= 600) ||
      !(absl::GetFlag(FLAGS_soak_load) > 0 && absl::GetFlag(FLAGS_soak_load) <= 2) ||
      !(absl::GetFlag(FLAGS_soak_window) >= 0.1 && absl::GetFlag(FLAGS_soak_window) <= 600) ||
      !(absl::GetFlag(FLAGS_soak_track_share) >= 0 && absl::GetFlag(FLAGS_soak_track_share) <= 1) ||
      absl::GetFlag(FLAGS_soak_track_batch) < 1 || absl::GetFlag(FLAGS_soak_track_batch) > 1000) {
    return "--soak_minutes must be in (0, 600], --soak_load in (0, 2], --soak_window in "
           "[0.1, 600], --soak_track_share in [0, 1] and --soak_track_batch in 1..1000";
  }
  const std::string audience = absl::GetFlag(FLAGS_campaign_audience);
  if (audience != "rule" && audience != "list") {
    return "--campaign_audience must be 'rule' or 'list'";
  }
  return "";
}

std::shared_ptr<grpc::Channel> Connect(const std::string& address) {
  return grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
}

LoopOptions Loop(const Settings& s, int concurrency) {
  LoopOptions o;
  o.concurrency = concurrency;
  o.warmup_s = s.warmup;
  o.duration_s = s.duration;
  o.seed = s.seed;
  return o;
}

PhaseResult Failed(const std::string& name, const std::string& error) {
  PhaseResult r;
  r.name = name;
  r.error = error;
  return r;
}

// The shop the traffic is about, and how the server gets it.
struct ShopSource {
  ShopData data;
  std::string demo_csv;  // empty: made up, loaded through the API
  std::string description;
};

ShopSource ChooseShop(const Settings& s) {
  ShopSource source;
  const std::string csv = absl::GetFlag(FLAGS_demo_csv);
  if (!csv.empty() && std::filesystem::exists(csv)) {
    absl::StatusOr<ShopData> data =
        ReadOnlineRetail(csv, /*strip_decimal=*/true);
    if (data.ok()) {
      source.data = *std::move(data);
      source.demo_csv = csv;
      source.description = absl::StrFormat(
          "demo shop from %s (%d items, %d customers with purchases)", csv,
          source.data.items.size(), source.data.customers.size());
      return source;
    }
    std::fprintf(stderr,
                 "persona-loadgen: cannot use %s (%s); using a made-up shop\n",
                 csv.c_str(), data.status().ToString().c_str());
  } else if (!csv.empty()) {
    std::fprintf(stderr,
                 "persona-loadgen: %s does not exist; using a made-up shop\n",
                 csv.c_str());
  }
  source.data = SyntheticShop(s.synthetic_items, s.synthetic_customers, s.seed);
  source.description = absl::StrFormat(
      "made-up shop loaded through the API (%d items, %d customers)",
      s.synthetic_items, s.synthetic_customers);
  return source;
}

// Verifies that the server knows the demo customers under the ids we send,
// switching to the CSV's raw ids when it stores those instead.
std::string CheckDemoCustomers(const std::shared_ptr<grpc::Channel>& channel,
                               ShopSource& shop) {
  constexpr int kSample = 20;
  absl::StatusOr<int> known = CountKnownCustomers(channel, shop.data, kSample);
  if (known.ok() && *known == 0) {
    absl::StatusOr<ShopData> raw =
        ReadOnlineRetail(shop.demo_csv, /*strip_decimal=*/false);
    if (raw.ok() &&
        CountKnownCustomers(channel, *raw, kSample).value_or(0) > 0) {
      shop.data = *std::move(raw);
      known = CountKnownCustomers(channel, shop.data, kSample);
    }
  }
  if (!known.ok()) return std::string(known.status().message());
  shop.description += absl::StrFormat(
      "; %d of the first %d customers have stored events", *known, kSample);
  return "";
}

PhaseResult StreamPhase(const Settings& s,
                        const std::shared_ptr<grpc::Channel>& channel,
                        EventFactory& events, pid_t pid) {
  StreamOptions o;
  o.streams = s.streams;
  o.window = s.window;
  o.warmup_s = s.warmup;
  o.duration_s = s.duration;
  o.seed = s.seed;
  auto stub = v1::EventService::NewStub(channel);
  const BatchMaker make = [&](std::mt19937_64& rng, v1::TrackEventsRequest* r) {
    events.Batch(rng, s.batch, "", r);
  };
  PhaseResult r = RunStreamIngest(stub.get(), o, make, pid);
  r.name = absl::StrCat("persona StreamEvents x", s.batch);
  return r;
}

// Runs the enabled Persona phases against a started, loaded server; the
// ingest phases also report the server's WAL growth per event.
void RunPersonaPhases(const Settings& s, const ShopSource& shop,
                      const std::shared_ptr<grpc::Channel>& channel, pid_t pid,
                      const std::string& data_dir,
                      std::vector<PhaseResult>& results) {
  EventFactory events(shop.data, s.customers, s.sessions,
                      absl::StrFormat("lg%x", s.seed));
  if (s.phases.contains("recommend")) {
    std::fprintf(stderr, "persona-loadgen: Recommend\n");
    results.push_back(RunRecommendPhase(channel, Loop(s, s.concurrency),
                                        RecommendFactory(shop.data), pid));
  }
  // Runs an ingest phase while watching the server's write-ahead log.
  const auto ingest = [&](const std::function<PhaseResult()>& phase) {
    WalWatcher watcher(data_dir);
    PhaseResult r = phase();
    const int64_t wal = watcher.Stop();
    if (r.all_units > 0) {
      r.wal_bytes_per_unit = static_cast<double>(wal) / r.all_units;
    }
    results.push_back(std::move(r));
  };
  if (s.phases.contains("unary")) {
    std::fprintf(stderr, "persona-loadgen: unary TrackEvents\n");
    ingest([&] {
      return RunUnaryIngestPhase(channel, Loop(s, s.ingest_concurrency), events,
                                 s.batch, pid);
    });
  }
  if (s.phases.contains("stream")) {
    std::fprintf(stderr, "persona-loadgen: StreamEvents\n");
    ingest([&] { return StreamPhase(s, channel, events, pid); });
  }
}

// Starts persona-server on a temporary directory with the shop and runs the
// Persona phases; every enabled phase fails when the server cannot be set up.
void RunPersona(const Settings& s, ShopSource& shop,
                std::vector<PhaseResult>& results) {
  std::vector<std::string> names;
  for (const char* p : {"recommend", "unary", "stream"}) {
    if (s.phases.contains(p)) names.push_back(p);
  }
  if (names.empty()) return;
  const auto fail_all = [&](const std::string& error) {
    for (const auto& n : names) {
      results.push_back(Failed("persona " + n, error));
    }
  };
  testing::TempDir dir;
  const std::string keep = absl::GetFlag(FLAGS_keep_server_data);
  const std::string data_dir = keep.empty() ? dir.path() + "/data" : keep;
  std::vector<std::string> args;
  if (!shop.demo_csv.empty()) args.push_back("--demo_csv=" + shop.demo_csv);
  const std::string binary = absl::GetFlag(FLAGS_server).empty()
                                 ? testing::ServerBinary()
                                 : absl::GetFlag(FLAGS_server);
  testing::ServerProcess server(binary, data_dir, args);
  std::fprintf(stderr, "persona-loadgen: starting %s\n", binary.c_str());
  if (!server.Start()) {
    return fail_all("persona-server did not start (see stderr)");
  }
  auto channel = Connect(server.address());
  if (shop.demo_csv.empty()) {
    if (absl::Status st = LoadSyntheticShop(channel, shop.data); !st.ok()) {
      return fail_all("loading the made-up shop failed: " + st.ToString());
    }
  } else if (std::string error = CheckDemoCustomers(channel, shop);
             !error.empty()) {
    return fail_all("reading demo profiles failed: " + error);
  }
  RunPersonaPhases(s, shop, channel, FindChild("persona-server"), data_dir,
                   results);
  if (const int status = server.Stop(); status != 0) {
    results.push_back(Failed("persona-server shutdown",
                             absl::StrCat("exit status ", status)));
  }
}

// Runs the soak phase (soak_phase.h) on its own server with the shop, after
// the other phases; writes its CSV and plot when asked.
std::vector<PhaseResult> SoakPhase(const Settings& s, ShopSource& shop, std::string* description) {
  SoakOptions o;
  o.capacity_concurrency = s.concurrency;
  o.capacity_warmup_s = s.warmup;
  o.capacity_s = s.duration;
  o.load = absl::GetFlag(FLAGS_soak_load);
  o.minutes = absl::GetFlag(FLAGS_soak_minutes);
  o.window_s = absl::GetFlag(FLAGS_soak_window);
  o.track_share = absl::GetFlag(FLAGS_soak_track_share);
  o.track_batch = absl::GetFlag(FLAGS_soak_track_batch);
  o.seed = s.seed;
  testing::TempDir dir;
  std::vector<std::string> args;
  if (!shop.demo_csv.empty()) args.push_back("--demo_csv=" + shop.demo_csv);
  testing::ServerProcess server(absl::GetFlag(FLAGS_server).empty() ? testing::ServerBinary()
                                                                   : absl::GetFlag(FLAGS_server),
                                dir.path() + "/data", args);
  if (!server.Start()) return {Failed("soak", "persona-server did not start (see stderr)")};
  auto channel = Connect(server.address());
  absl::Status ready = shop.demo_csv.empty() ? LoadSyntheticShop(channel, shop.data)
                                             : absl::OkStatus();
  if (ready.ok() && !shop.demo_csv.empty()) {
    if (std::string error = CheckDemoCustomers(channel, shop); !error.empty()) {
      ready = absl::InternalError(error);
    }
  }
  if (ready.ok()) ready = TrainDefaultShop(channel);
  if (!ready.ok()) return {Failed("soak", "preparing the shop failed: " + ready.ToString())};
  SoakResult r = RunSoak(channel, shop.data, o, FindChild("persona-server"));
  const SoakSummary& m = r.summary;
  *description = absl::StrFormat(
      "soak: %.0f%% of %.0f calls/s (%.0f%% TrackEvents x%d, the rest Recommend) for %.1f min: "
      "%lld calls OK, %lld errors; RSS %.1f -> %.1f MiB over the last 80%% (slope %.2f "
      "MiB/min); p99 %.2f ms in the first minute, %.2f ms in the last",
      o.load * 100, r.capacity.rate(), o.track_share * 100, o.track_batch, m.minutes,
      static_cast<long long>(m.calls), static_cast<long long>(m.errors), m.rss_first_mib,
      m.rss_last_mib, m.rss_slope_mib_per_min, m.p99_first_ms, m.p99_last_ms);
  for (const auto& [path, text] :
       {std::pair{absl::GetFlag(FLAGS_soak_csv), SoakCsv(r.windows)},
        std::pair{absl::GetFlag(FLAGS_soak_svg),
                  SoakSvg(r.windows, absl::StrFormat("persona-server soak: %.0f calls/s (%.0f%% "
                                                     "of capacity), %.0f%% TrackEvents x%d",
                                                     r.capacity.rate() * o.load, o.load * 100,
                                                     o.track_share * 100, o.track_batch))}}) {
    if (path.empty()) continue;
    if (absl::Status w = WriteTextFile(path, text); !w.ok() && r.soak.error.empty()) {
      r.soak.error = w.ToString();
    }
  }
  if (const int status = server.Stop(); status != 0 && r.soak.error.empty()) {
    r.soak.error = absl::StrCat("persona-server exit status ", status);
  }
  return {r.capacity, r.soak};
}

// Runs the RocksDB reference after the Persona phases, so that its records
// can have the size Persona's had: its senders first get as many events as
// Persona had ingested per sender at the midpoint of its ingest phases.
PhaseResult RocksDbPhase(const Settings& s, const ShopSource& shop,
                         const std::vector<PhaseResult>& persona) {
  std::fprintf(stderr, "persona-loadgen: RocksDB reference\n");
  int64_t ingested = 0;
  for (const PhaseResult& r : persona) {
    if (r.unit == "events/s") ingested += r.all_units;
  }
  testing::TempDir dir;
  EventFactory events(shop.data, s.customers, s.sessions, "ref");
  RocksDbReferenceOptions o;
  o.dir = dir.path() + "/rocksdb";
  o.batch_events = s.batch;
  o.warmup_s = s.warmup;
  o.duration_s = s.duration;
  o.pool_events = s.pool_events;
  o.seed = s.seed;
  if (ingested > 0) {
    o.history_per_sender = static_cast<int>(
        ingested / 2 / (events.population() + events.sessions()));
  }
  return RunRocksDbReference(o, events);
}

const PhaseResult* Find(const std::vector<PhaseResult>& results,
                        const std::string& prefix) {
  for (const auto& r : results) {
    if (r.name.rfind(prefix, 0) == 0) return &r;
  }
  return nullptr;
}

// Runs the ALS phase on its own server (after the demo server stopped).
std::vector<PhaseResult> AlsPhase(const Settings& s, std::string* description) {
  AlsPhaseOptions o;
  o.server_binary = absl::GetFlag(FLAGS_server).empty()
                        ? testing::ServerBinary()
                        : absl::GetFlag(FLAGS_server);
  o.items = absl::GetFlag(FLAGS_als_items);
  o.customers = absl::GetFlag(FLAGS_als_customers);
  o.events_per_customer = absl::GetFlag(FLAGS_als_events);
  o.page_customers = absl::GetFlag(FLAGS_page_customers);
  o.page_events = absl::GetFlag(FLAGS_page_events);
  o.loop = Loop(s, s.concurrency);
  o.seed = s.seed;
  return RunAlsPhase(o, description);
}

// Runs the campaign phase, one server per catalog (after the others stopped).
std::vector<PhaseResult> CampaignPhase(const Settings& s,
                                       std::string* description) {
  CampaignPhaseOptions o;
  o.server_binary = absl::GetFlag(FLAGS_server).empty()
                        ? testing::ServerBinary()
                        : absl::GetFlag(FLAGS_server);
  o.catalogs = CampaignCatalogs();
  o.customers = absl::GetFlag(FLAGS_campaign_customers);
  o.events_per_customer = absl::GetFlag(FLAGS_campaign_events);
  o.rule_audience = absl::GetFlag(FLAGS_campaign_audience) == "rule";
  o.loop = Loop(s, s.concurrency);
  o.seed = s.seed;
  return RunCampaignPhase(o, description);
}

// Per campaign catalog: stream / unary (target 3), and for 100k items the
// 30 s target as 30 s / the time 100k customers take at the stream's rate.
void AddCampaignRatios(const std::vector<PhaseResult>& results,
                       std::vector<Ratio>& ratios) {
  for (const PhaseResult& r : results) {
    if (r.name.rfind("campaign stream ", 0) != 0) continue;
    const std::string label = r.name.substr(16, r.name.size() - 16 - 6);
    ratios.push_back(MakeRatio(
        absl::StrCat("campaign ", label, ": stream / unary"), &r,
        Find(results, "campaign unary " + label + " items"), 3));
    if (label == "100k") {
      PhaseResult per_30s;  // the rate that does 100k customers in 30 s
      per_30s.units = 100000;
      per_30s.seconds = 30;
      ratios.push_back(MakeRatio("campaign 100k: 30 s / s per 100k", &r,
                                 &per_30s, 1));
    }
  }
}

PhaseResult EchoPhase(const Settings& s) {
  std::fprintf(stderr, "persona-loadgen: echo reference\n");
  absl::StatusOr<std::unique_ptr<EchoServer>> echo = EchoServer::Start();
  if (!echo.ok()) return Failed("echo (empty call)", echo.status().ToString());
  return RunEchoPhase(Connect((*echo)->address()), Loop(s, s.concurrency),
                      absl::GetFlag(FLAGS_echo_payload));
}

// Prints the table, and the JSON when asked; false when the JSON file cannot
// be written.
bool Report(const RunInfo& info, const std::vector<PhaseResult>& results) {
  const PhaseResult* rocksdb = Find(results, "rocksdb");
  std::vector<Ratio> ratios = {
      MakeRatio("Recommend QPS / echo QPS", Find(results, "persona Recommend"),
                Find(results, "echo"), 0.5),
      MakeRatio("unary ingest / RocksDB loop",
                Find(results, "persona TrackEvents"), rocksdb, 0.3),
      MakeRatio("stream ingest / RocksDB loop",
                Find(results, "persona StreamEvents"), rocksdb, 0.3)};
  if (const PhaseResult* als = Find(results, "ALS Recommend")) {
    ratios.push_back(
        MakeRatio("ALS Recommend QPS / echo QPS", als, Find(results, "echo"), 0));
  }
  AddCampaignRatios(results, ratios);
  PrintTable(stdout, info, results, ratios);
  const std::string json = absl::GetFlag(FLAGS_json);
  if (json.empty()) return true;
  std::FILE* out = json == "-" ? stdout : std::fopen(json.c_str(), "w");
  if (out == nullptr) {
    std::fprintf(stderr, "persona-loadgen: cannot write %s\n", json.c_str());
    return false;
  }
  PrintJson(out, info, results, ratios);
  return out == stdout || std::fclose(out) == 0;
}

int Main() {
  const Settings s = ReadFlags();
  if (std::string error = CheckSettings(s); !error.empty()) {
    std::fprintf(stderr, "persona-loadgen: %s\n", error.c_str());
    return 2;
  }
  RunInfo info;
  info.machine = DescribeMachine();
  info.load_before = LoadAverage();
  info.settings = absl::StrFormat(
      "%.1f s per phase after %.1f s warm-up; concurrency %d (echo, "
      "Recommend), %d (unary ingest); %d stream(s) x window %d; %d events per "
      "batch; %d customers + %d sessions send events",
      s.duration, s.warmup, s.concurrency, s.ingest_concurrency, s.streams,
      s.window, s.batch, s.customers, s.sessions);
  std::vector<PhaseResult> results;
  if (s.phases.contains("echo")) results.push_back(EchoPhase(s));
  ShopSource shop = ChooseShop(s);
  std::vector<PhaseResult> persona;
  RunPersona(s, shop, persona);
  std::string als_description;
  if (absl::GetFlag(FLAGS_als100k)) {
    for (PhaseResult& r : AlsPhase(s, &als_description)) persona.push_back(std::move(r));
  }
  std::string campaign_description;
  if (s.phases.contains("campaign")) {
    for (PhaseResult& r : CampaignPhase(s, &campaign_description)) {
      persona.push_back(std::move(r));
    }
  }
  std::string soak_description;
  if (s.phases.contains("soak")) {
    for (PhaseResult& r : SoakPhase(s, shop, &soak_description)) persona.push_back(std::move(r));
  }
  if (s.phases.contains("rocksdb")) {
    results.push_back(RocksDbPhase(s, shop, persona));
  }
  results.insert(results.end(), persona.begin(), persona.end());
  info.shop = shop.description;
  if (!als_description.empty()) info.shop += "\n" + als_description;
  if (!campaign_description.empty()) info.shop += "\n" + campaign_description;
  if (!soak_description.empty()) info.shop += "\n" + soak_description;
  info.load_after = LoadAverage();
  bool ok = Report(info, results);
  for (const auto& r : results) ok &= r.ok();
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace persona::bench

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "persona-loadgen [--duration=S] "
      "[--phases=echo,rocksdb,recommend,unary,stream,campaign,soak] ...\n"
      "Measures Persona beside an empty gRPC call and a bare RocksDB loop; see "
      "docs/BENCHMARKS.md.");
  absl::ParseCommandLine(argc, argv);
  // Debian's abseil checks every absl::Mutex (gRPC's too) for lock-order
  // cycles, which costs an empty call ~15% here; the references should be
  // the best this machine does, so this process skips the check.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return persona::bench::Main();
}
