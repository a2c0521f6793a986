// The MSR Cambridge / SNIA trace reader and its replay as 4 KiB-aligned I/Os.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "sim/trace_reader.h"
#include "sim/trace_workload.h"

namespace salix::sim {
namespace {

std::vector<IoOp> Replay(std::string text, TraceSpec spec) {
  TraceWorkload w(TraceReader::FromString(std::move(text), "t.csv"), spec);
  std::vector<IoOp> ops;
  IoOp op;
  while (w.Next(&op)) ops.push_back(op);
  REQUIRE(w.error().empty());
  return ops;
}

// The error a trace stops with (empty if it reads to the end).
std::string ErrorOf(const std::string& text) {
  auto r = TraceReader::FromString(text, "bad.csv");
  TraceRecord rec;
  while (r->Next(&rec)) {
  }
  return r->error();
}

}  // namespace

TEST_CASE("A trace line parses into its seven fields") {
  auto r = ParseTraceLine("128166372003061629,hm,1,Read,3154152960,32768,1476");
  REQUIRE(r.ok());
  CHECK(r.value().timestamp == 128166372003061629ull);
  CHECK(r.value().disk == 1);
  CHECK_FALSE(r.value().write);
  CHECK(r.value().offset == 3154152960ull);
  CHECK(r.value().size == 32768);
  CHECK(r.value().response_time == 1476);
  auto w = ParseTraceLine("1,src,0,write,0,512,0\r");
  REQUIRE(w.ok());
  CHECK(w.value().write);
}

TEST_CASE("The reader skips a header and blank lines and counts lines") {
  auto r = TraceReader::FromString(
      "Timestamp,Hostname,DiskNumber,Type,Offset,Size,ResponseTime\n"
      "10,h,0,Read,0,4096,5\n"
      "\n"
      "20,h,0,Write,8192,4096,5\n",
      "t.csv");
  TraceRecord rec;
  REQUIRE(r->Next(&rec));
  CHECK(rec.timestamp == 10);
  REQUIRE(r->Next(&rec));
  CHECK(rec.timestamp == 20);
  CHECK(r->line() == 4);
  CHECK_FALSE(r->Next(&rec));
  CHECK(r->error().empty());
}

TEST_CASE("Each kind of malformed line is reported with file name and line number") {
  const std::string good = "1,h,0,Read,0,4096,1\n2,h,0,Write,4096,4096,1\n";
  struct Case {
    const char* line;
    const char* says;
  };
  const Case cases[] = {
      {"3,h,0,Read,0,4096", "expected 7 comma-separated fields"},
      {"3,h,0,Read,0,4096,1,9", "found 8"},
      {"x3,h,0,Read,0,4096,1", "Timestamp 'x3'"},
      {"-3,h,0,Read,0,4096,1", "Timestamp '-3'"},
      {"3,h,disk,Read,0,4096,1", "DiskNumber 'disk'"},
      {"3,h,0,Trim,0,4096,1", "Type 'Trim' is neither Read nor Write"},
      {"3,h,0,Read,12ab,4096,1", "Offset '12ab'"},
      {"3,h,0,Read,0,,1", "Size ''"},
      {"3,h,0,Read,0,0,1", "Size is 0"},
      {"3,h,0,Read,0,4096,1.5", "ResponseTime '1.5'"},
  };
  for (const Case& c : cases) {
    INFO(c.line);
    std::string e = ErrorOf(good + c.line + "\n4,h,0,Read,0,4096,1\n");
    CHECK_THAT(e, Catch::StartsWith("bad.csv:3: "));
    CHECK_THAT(e, Catch::Contains(c.says));
  }
}

TEST_CASE("A header anywhere but the first line is malformed") {
  std::string e = ErrorOf("1,h,0,Read,0,4096,1\nTimestamp,Hostname,DiskNumber,Type,Offset,Size,ResponseTime\n");
  CHECK_THAT(e, Catch::StartsWith("bad.csv:2: "));
}

TEST_CASE("A missing trace file is an error naming it") {
  auto r = TraceReader::Open("/nonexistent/trace.csv");
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error(), Catch::Contains("/nonexistent/trace.csv"));
}

TEST_CASE("Replay widens requests to 4 KiB boundaries") {
  TraceSpec spec;
  spec.capacity_blocks = 1024;  // 4 MiB of 4 KiB blocks
  auto ops = Replay("1,h,0,Write,5000,100,0\n2,h,0,Read,4095,2,0\n", spec);
  REQUIRE(ops.size() == 2);
  CHECK(ops[0].write);
  CHECK(ops[0].slba == 1);
  CHECK(ops[0].nlb == 1);
  CHECK_FALSE(ops[1].write);
  CHECK(ops[1].slba == 0);
  CHECK(ops[1].nlb == 2);  // bytes 4095 and 4096 straddle two blocks
}

TEST_CASE("Replay splits large requests and wraps offsets modulo the capacity") {
  TraceSpec spec;
  spec.capacity_blocks = 1024;
  spec.max_io_bytes = 64 << 10;
  uint64_t cap = 4ull << 20;
  // 200 KiB starting 8 KiB before the end of a disk 3x our size + that.
  std::string line = "1,h,0,Write," + std::to_string(3 * cap + cap - 8192) +
                     ",204800,0\n";
  auto ops = Replay(line, spec);
  REQUIRE(ops.size() == 4);    // 50 blocks in all
  CHECK(ops[0].slba == 1022);  // 2 blocks up to the end
  CHECK(ops[0].nlb == 2);
  CHECK(ops[1].slba == 0);     // then from the start, at most 16 blocks each
  CHECK(ops[1].nlb == 16);
  CHECK(ops[2].slba == 16);
  CHECK(ops[3].slba == 32);
  CHECK(ops[3].nlb == 16);
}

TEST_CASE("Replay with 512-byte blocks counts in 512-byte LBAs") {
  TraceSpec spec;
  spec.capacity_blocks = 8192;
  spec.lba_size = 512;
  auto ops = Replay("1,h,0,Read,4096,4096,0\n", spec);
  REQUIRE(ops.size() == 1);
  CHECK(ops[0].slba == 8);
  CHECK(ops[0].nlb == 8);
}

TEST_CASE("Original timing turns 100 ns ticks since the first request into issue times") {
  TraceSpec spec;
  spec.capacity_blocks = 1024;
  spec.timing = TraceTiming::kOriginal;
  auto ops = Replay("1000,h,0,Read,0,4096,0\n1500,h,0,Read,0,4096,0\n", spec);
  REQUIRE(ops.size() == 2);
  CHECK(ops[0].issue_ns == 0);
  CHECK(ops[1].issue_ns == 50'000);
  spec.timing = TraceTiming::kAsap;
  CHECK(Replay("1000,h,0,Read,0,4096,0\n1500,h,0,Read,0,4096,0\n", spec)[1].issue_ns == 0);
}

TEST_CASE("A bad line ends the replay with its location") {
  TraceSpec spec;
  spec.capacity_blocks = 1024;
  TraceWorkload w(TraceReader::FromString("1,h,0,Read,0,4096,0\n2,h,0,Read,0\n", "x.csv"), spec);
  IoOp op;
  CHECK(w.Next(&op));
  CHECK_FALSE(w.Next(&op));
  CHECK_THAT(w.error(), Catch::StartsWith("x.csv:2: "));
}

}  // namespace salix::sim
