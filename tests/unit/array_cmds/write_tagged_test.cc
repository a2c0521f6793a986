// Write Tagged (85h) through the embedded host, on nossd and ftl with 512 B
// and 4 KiB blocks: the data lands, Read Tags reports each block's own tag
// (per page on ftl: the tag of the page's first block the command wrote),
// exactly what a Write with that tag stores, every malformed command fails
// with its status and changes nothing, timing and FUA as a Write's, and
// ftl garbage collection keeps the per-block tags.
#include <map>
#include <random>

#include "array_util.h"
#include "flash/timing.h"

namespace salix::test {
namespace {


// Both personalities under both LBA formats.
std::vector<std::pair<std::string, EmbeddedHostOptions>> AllNamespaces(
    KeyValues extra = {}) {
  std::vector<std::pair<std::string, EmbeddedHostOptions>> out;
  for (const char* lba : {"512", "4096"}) {
    KeyValues kv = extra;
    kv.push_back({"lba-size", lba});
    for (auto& [name, opts] : BothPersonalities(kv)) {
      out.push_back({std::string(name) + " lba " + lba, opts});
    }
  }
  return out;
}

// Logical blocks per tag the personality keeps: ftl tags 4 KiB pages.
uint64_t TagGranule(const std::string& name, uint32_t bs) {
  return name.rfind("ftl", 0) == 0 ? 4096 / bs : 1;
}

// The expected tags of [0, expect->size()) after a Write Tagged 'a':
// every block of a page the command touches takes the tag of the page's
// first block the command writes.
void ApplyModel(const WriteTaggedArgs& a, uint32_t bs, uint64_t granule,
                std::vector<salix_host_tag>* expect) {
  const uint64_t nlb = a.data.size() / bs;
  for (uint64_t b = 0; b < expect->size(); b++) {
    const uint64_t page = b - b % granule;
    const uint64_t first = std::max(a.slba, page);
    if (first >= a.slba + nlb || first >= page + granule) continue;
    (*expect)[b] = a.tags[(first - a.slba) / a.per_tag];
  }
}

std::vector<salix_host_tag> Tags(size_t n, uint32_t salt) {
  std::vector<salix_host_tag> v;
  for (uint32_t t = 0; t < n; t++) v.push_back(Tag(salt + t, t, ~t, salt));
  return v;
}

// A scattered Write Tagged of one piece of 'per' blocks at each LBA, data
// and tags from 'salt'.
WriteTaggedArgs Scattered(uint32_t per, uint32_t bs, std::vector<uint64_t> lbas,
                          uint32_t salt) {
  WriteTaggedArgs a;
  a.per_tag = per;
  a.slba = lbas[0];
  a.data = Pattern(lbas.size() * per * bs, salt);
  a.tags = Tags(lbas.size(), salt * 50);
  a.lbas = std::move(lbas);
  return a;
}

// A malformed command and the status it must get.
struct Case {
  const char* what;
  WriteTaggedArgs args;
  Status want;
};

TEST_CASE("Write Tagged stores the data and each block's own tag") {
  for (auto& [name, opts] : AllNamespaces()) {
    INFO(name);
    auto h = MakeHostFrom(opts);
    const uint32_t bs = h->lba_size();
    const uint64_t granule = TagGranule(name, bs);
    const uint32_t span = 64;
    auto before = Pattern(span * bs, 1);
    REQUIRE(TaggedWrite(*h, 0, before, Tag(0xEEEE)).ok());
    std::vector<salix_tag_entry> t0;
    REQUIRE(ReadTags(*h, 0, span, &t0).ok());
    std::vector<salix_host_tag> expect(span, Tag(0xEEEE));
    std::vector<uint8_t> data = before;

    // One tag per block from an unaligned start; then one per 8 blocks,
    // the last covering 5.
    WriteTaggedArgs a;
    a.slba = 3;
    a.data = Pattern(21 * bs, 2);
    a.tags = Tags(21, 100);
    WriteTaggedArgs b;
    b.slba = 30;
    b.per_tag = 8;
    b.data = Pattern(21 * bs, 3);
    b.tags = Tags(3, 200);
    uint64_t last_seq = 0;
    for (uint64_t i = 0; i < span; i++) last_seq = std::max(last_seq, t0[i].seq);
    for (const WriteTaggedArgs* w : {&a, &b}) {
      INFO("Write Tagged at " << w->slba << ", " << w->per_tag << " blocks per tag");
      REQUIRE(StatusOf(WriteTagged(*h, *w)).ok());
      ApplyModel(*w, bs, granule, &expect);
      std::copy(w->data.begin(), w->data.end(), data.begin() + w->slba * bs);
      std::vector<salix_tag_entry> t;
      REQUIRE(ReadTags(*h, 0, span, &t).ok());
      const uint64_t nlb = w->data.size() / bs;
      uint64_t prev = 0;
      for (uint64_t i = 0; i < span; i++) {
        INFO("LBA " << i);
        CHECK(SameTag(t[i].tag, expect[i]));
        CHECK(t[i].flags == SALIX_TAG_MAPPED);
        if (i >= w->slba && i < w->slba + nlb) {
          // Written now: later than everything before, in LBA order.
          CHECK(t[i].seq > last_seq);
          CHECK(t[i].seq >= prev);
          prev = t[i].seq;
        }
      }
      for (uint64_t i = w->slba; i < w->slba + nlb; i++) {
        last_seq = std::max(last_seq, t[i].seq);
      }
    }
    CHECK(ReadBack(*h, 0, span) == data);
  }
}

TEST_CASE("Write Tagged with equal tags stores what a Write with that tag does") {
  for (auto& [name, opts] : AllNamespaces()) {
    INFO(name);
    auto tagged = MakeHostFrom(opts);
    auto plain = MakeHostFrom(opts);
    const uint32_t bs = tagged->lba_size();
    for (auto* h : {tagged.get(), plain.get()}) {
      REQUIRE(TaggedWrite(*h, 0, Pattern(40 * bs, 1), Tag(1)).ok());
    }
    const salix_host_tag tag = Tag(0xABCD, 1, 2, 3);
    WriteTaggedArgs a;
    a.slba = 5;
    a.per_tag = 4;
    a.data = Pattern(19 * bs, 2);
    a.tags.assign(5, tag);
    REQUIRE(StatusOf(WriteTagged(*tagged, a)).ok());
    REQUIRE(TaggedWrite(*plain, 5, a.data, tag).ok());
    // And an all-zero list: an untagged Write.
    a.slba = 26;
    a.tags.assign(5, Tag(0));
    REQUIRE(StatusOf(WriteTagged(*tagged, a)).ok());
    REQUIRE(plain->Write(1, 26, a.data).ok());
    std::vector<salix_tag_entry> x, y;
    REQUIRE(ReadTags(*tagged, 0, 48, &x).ok());
    REQUIRE(ReadTags(*plain, 0, 48, &y).ok());
    for (uint32_t i = 0; i < 48; i++) {
      INFO("LBA " << i);
      CHECK(std::memcmp(&x[i], &y[i], sizeof(x[i])) == 0);
    }
    CHECK(SameTag(x[10].tag, tag));
    CHECK(SameTag(x[30].tag, Tag(0)));
    CHECK(x[30].flags == SALIX_TAG_MAPPED);
    CHECK(ReadBack(*tagged, 0, 48) == ReadBack(*plain, 0, 48));
  }
}

TEST_CASE("A zero entry in the tag list leaves its blocks untagged") {
  for (auto& [name, opts] : AllNamespaces()) {
    INFO(name);
    auto h = MakeHostFrom(opts);
    const uint32_t bs = h->lba_size();
    REQUIRE(TaggedWrite(*h, 0, Pattern(48 * bs, 1), Tag(9, 9)).ok());
    WriteTaggedArgs a;
    a.slba = 16;  // entries of 8 blocks on page boundaries, even at 512 B
    a.per_tag = 8;
    a.data = Pattern(24 * bs, 2);
    a.tags = {Tag(5), Tag(0), Tag(6)};
    REQUIRE(StatusOf(WriteTagged(*h, a)).ok());
    std::vector<salix_tag_entry> t;
    REQUIRE(ReadTags(*h, 0, 48, &t).ok());
    for (uint32_t i = 0; i < 48; i++) {
      INFO("LBA " << i);
      const salix_host_tag want = i < 16    ? Tag(9, 9)
                                  : i < 24 ? Tag(5)
                                  : i < 32 ? Tag(0)
                                  : i < 40 ? Tag(6)
                                           : Tag(9, 9);
      CHECK(SameTag(t[i].tag, want));
      CHECK(t[i].flags == SALIX_TAG_MAPPED);
    }
    CHECK(ReadBack(*h, 16, 24) == a.data);
  }
}

TEST_CASE("Write Tagged with a tag list longer than one 4 KiB page") {
  for (auto& [name, opts] : BothPersonalities({{"lba-size", "512"}})) {
    INFO(name);
    auto h = MakeHostFrom(opts);
    // 300 tags = 4800 bytes: the data starts at 8192.
    WriteTaggedArgs a;
    a.slba = 100;
    a.data = Pattern(300 * 512, 4);
    a.tags = Tags(300, 1000);
    REQUIRE(StatusOf(WriteTagged(*h, a)).ok());
    CHECK(ReadBack(*h, 100, 300) == a.data);
    std::vector<salix_host_tag> expect(400);
    ApplyModel(a, 512, TagGranule(name, 512), &expect);
    std::vector<salix_tag_entry> t;
    REQUIRE(ReadTags(*h, 0, 400, &t).ok());
    for (uint32_t i = 100; i < 400; i++) {
      INFO("LBA " << i);
      CHECK(SameTag(t[i].tag, expect[i]));
    }
  }
}

TEST_CASE("Malformed Write Tagged commands fail with their status and write nothing") {
  // MDTS 1: 8 KiB, the tag list's page included.
  for (auto& [name, opts] : AllNamespaces({{"mdts", "1"}})) {
    INFO(name);
    auto h = MakeHostFrom(opts);
    const uint32_t bs = h->lba_size();
    const uint64_t cap = h->capacity_blocks();
    const uint32_t r = 8192 / bs;  // blocks watched at each end (one MDTS)
    const auto old = Pattern(r * bs, 7);
    REQUIRE(TaggedWrite(*h, 0, old, Tag(77)).ok());
    REQUIRE(TaggedWrite(*h, cap - r, old, Tag(78)).ok());
    std::vector<salix_tag_entry> tags_before, end_before;
    REQUIRE(ReadTags(*h, 0, r, &tags_before).ok());
    REQUIRE(ReadTags(*h, cap - r, r, &end_before).ok());
    const uint32_t fit = static_cast<uint32_t>(4096 / bs);  // list + data = 8 KiB
    auto good = [&] {
      WriteTaggedArgs a;
      a.slba = 2;
      a.data = Pattern(fit * bs, 8);
      a.tags = Tags(fit, 300);
      return a;
    };
    BufferLayout sgl;
    sgl.kind = DataLayout::kSgl;
    std::vector<Case> cases;
    {
      auto a = good();
      a.slba = cap - 2;
      a.data.resize(3 * bs);
      a.tags = Tags(3, 1);
      cases.push_back({"past the end", a, Status::LbaOutOfRange()});
    }
    {
      auto a = good();
      a.slba = ~0ull - 1;
      cases.push_back({"LBA wraps", a, Status::LbaOutOfRange()});
    }
    {
      auto a = good();  // one block more than fits beside the list
      a.data.resize((fit + 1) * bs);
      a.tags = Tags(fit + 1, 1);
      cases.push_back({"list + data exceed MDTS", a, Status::InvalidField()});
    }
    {
      auto a = good();
      a.layout = sgl;
      a.buffer_bytes = 4096 + fit * bs - bs;
      cases.push_back({"SGL shorter than the transfer", a, Status::InvalidField()});
    }
    {
      auto a = good();
      a.layout = sgl;
      a.buffer_bytes = 4096 + fit * bs + bs;
      cases.push_back({"SGL longer than the transfer", a, Status::InvalidField()});
    }
    {
      // A host that forgot the padding: list and data back to back.
      auto a = good();
      a.layout = sgl;
      a.buffer_bytes = fit * 16 + fit * bs;
      cases.push_back({"tag list not padded", a, Status::InvalidField()});
    }
    for (auto& c : cases) {
      INFO(c.what);
      CHECK(StatusOf(WriteTagged(*h, c.args)) == c.want);
      CHECK(ReadBack(*h, 0, r) == old);
      CHECK(ReadBack(*h, cap - r, r) == old);
      std::vector<salix_tag_entry> t, e;
      REQUIRE(ReadTags(*h, 0, r, &t).ok());
      REQUIRE(ReadTags(*h, cap - r, r, &e).ok());
      CHECK(std::memcmp(t.data(), tags_before.data(), r * sizeof(t[0])) == 0);
      CHECK(std::memcmp(e.data(), end_before.data(), r * sizeof(e[0])) == 0);
    }
    CHECK(U128Low(Smart(*h).host_write_commands) == 2);
    // The same data as a plain Write fits; the right SGL and PRPs work.
    {
      auto a = good();
      a.data.resize((fit + 1) * bs);
      CHECK(h->Write(1, 2, a.data).ok());
    }
    auto a = good();
    a.layout = sgl;
    CHECK(StatusOf(WriteTagged(*h, a)).ok());
    a.layout = {};
    a.slba = cap - fit;
    CHECK(StatusOf(WriteTagged(*h, a)).ok());
    CHECK(ReadBack(*h, cap - fit, fit) == a.data);
  }
}

TEST_CASE("Scattered Write Tagged puts each piece at its own LBA with its tag") {
  for (auto& [name, opts] : AllNamespaces()) {
    INFO(name);
    auto h = MakeHostFrom(opts);
    const uint32_t bs = h->lba_size();
    // Pieces of one 4 KiB page (a chunk, as the array writes them), some
    // neighbours (one personality write), some far apart, the last at the
    // namespace's end.
    const uint32_t per = 4096 / bs;
    const uint64_t cap = h->capacity_blocks();
    const WriteTaggedArgs a =
        Scattered(per, bs, {per * 2, per * 3, per * 9, per * 40, cap - per}, 11);
    REQUIRE(StatusOf(WriteTagged(*h, a)).ok());
    for (size_t t = 0; t < a.lbas.size(); t++) {
      INFO("piece " << t << " at LBA " << a.lbas[t]);
      const std::vector<uint8_t> want(a.data.begin() + t * per * bs,
                                      a.data.begin() + (t + 1) * per * bs);
      CHECK(ReadBack(*h, a.lbas[t], per) == want);
      std::vector<salix_tag_entry> e;
      REQUIRE(ReadTags(*h, a.lbas[t], per, &e).ok());
      for (uint32_t b = 0; b < per; b++) {
        CHECK(SameTag(e[b].tag, a.tags[t]));
        CHECK(e[b].flags == SALIX_TAG_MAPPED);
      }
    }
    // Between the pieces nothing was written.
    std::vector<salix_tag_entry> gap;
    REQUIRE(ReadTags(*h, per * 4, per * 5, &gap).ok());
    for (const auto& e : gap) CHECK(e.flags == 0);
    CHECK(ReadBack(*h, per * 4, per * 5) == std::vector<uint8_t>(per * 5 * bs, 0));
    CHECK(U128Low(Smart(*h).host_write_commands) == 1);
  }
}

TEST_CASE("Malformed scattered Write Tagged commands fail and write nothing") {
  for (auto& [name, opts] : AllNamespaces()) {
    INFO(name);
    auto h = MakeHostFrom(opts);
    const uint32_t bs = h->lba_size();
    const uint32_t per = 4096 / bs;
    const uint64_t cap = h->capacity_blocks();
    auto good = [&] { return Scattered(per, bs, {per * 4, per * 8, per * 12}, 12); };
    std::vector<Case> cases;
    {
      auto a = good();
      a.lbas = {per * 4, per * 12, per * 8};
      cases.push_back({"LBAs not ascending", a, Status::InvalidField()});
    }
    {
      auto a = good();
      a.lbas = {per * 4, per * 8, per * 9 - 1};
      cases.push_back({"pieces overlap", a, Status::InvalidField()});
    }
    {
      auto a = good();
      a.slba = per * 5;
      cases.push_back({"first piece not at SLBA", a, Status::InvalidField()});
    }
    {
      auto a = good();
      a.lbas[2] = cap - per + 1;
      cases.push_back({"a piece past the end", a, Status::LbaOutOfRange()});
    }
    if (per > 1) {
      auto a = good();
      a.nlb_override = static_cast<int>(3 * per - 1);
      a.data.resize((3 * per - 1) * bs);
      cases.push_back({"blocks not whole pieces", a, Status::InvalidField()});
    }
    for (auto& c : cases) {
      INFO(c.what);
      CHECK(StatusOf(WriteTagged(*h, c.args)) == c.want);
      std::vector<salix_tag_entry> t;
      REQUIRE(ReadTags(*h, 0, per * 16, &t).ok());
      for (const auto& e : t) CHECK(e.flags == 0);
      REQUIRE(ReadTags(*h, cap - per, per, &t).ok());
      for (const auto& e : t) CHECK(e.flags == 0);
    }
    CHECK(U128Low(Smart(*h).host_write_commands) == 0);
    CHECK(StatusOf(WriteTagged(*h, good())).ok());
  }
}

TEST_CASE("Write Tagged counts as a host write of its data") {
  auto h = MakeHostFrom(SmallDevice({{"size", "8M"}}));
  // 125 blocks of 4 KiB = 1000 units of 512 bytes exactly: one "thousand"
  // unless the tag list were counted too.
  // TB = FFFFh: one tag, far more blocks than the command has.
  WriteTaggedArgs a;
  a.data = Pattern(125 * 4096, 1);
  a.per_tag = 65536;
  a.tags = {Tag(1)};
  REQUIRE(StatusOf(WriteTagged(*h, a)).ok());
  nvme::SmartLog s = Smart(*h);
  CHECK(U128Low(s.host_write_commands) == 1);
  CHECK(U128Low(s.data_units_written) == 1);
  std::vector<salix_tag_entry> t;
  REQUIRE(ReadTags(*h, 0, 126, &t).ok());
  for (uint32_t i = 0; i < 125; i++) CHECK(SameTag(t[i].tag, Tag(1)));
  CHECK(t[125].flags == 0);
  CHECK(ReadBack(*h, 0, 125) == a.data);
}

TEST_CASE("Write Tagged is timed as a Write of list and data, FUA included") {
  // Virtual clock, write buffer: a plain write completes when buffered, a
  // FUA write when programmed.
  auto h = MakeHostFrom(SmallDevice(SmallFlash(
      {{"timing.mode", "realtime"}, {"ftl.write-buffer", "64K"}})));
  uint64_t lba = 0;
  auto latency = [&](bool tagged, bool fua) {
    h->AdvanceClock(10'000'000);  // idle: buffer drained, link free
    h->Poll();
    const uint64_t t0 = h->now_ns();
    WriteTaggedArgs a;
    a.slba = lba++;
    a.data = Pattern(4096, static_cast<uint32_t>(lba));
    a.tags = {Tag(5)};
    a.fua = fua;
    if (tagged) {
      REQUIRE(StatusOf(WriteTagged(*h, a)).ok());
    } else {
      nvme::Sqe s = IoSqe(SALIX_IO_WRITE, a.slba, 1);
      if (fua) s.cdw12 |= 1u << 30;
      REQUIRE(StatusOf(h->ExecuteWithData(1, s, a.data)).ok());
    }
    return h->now_ns() - t0;
  };
  const uint64_t write = latency(false, false);
  const uint64_t tagged = latency(true, false);
  const uint64_t write_fua = latency(false, true);
  const uint64_t tagged_fua = latency(true, true);
  INFO("write " << write << " tagged " << tagged << " write+FUA " << write_fua
                << " tagged+FUA " << tagged_fua << " ns");
  // tlc-datacenter: PCIe 3050 MB/s; the list is one more 4 KiB page on it.
  const uint64_t list_ns =
      flash::TransferNs(8192, 3050) - flash::TransferNs(4096, 3050);
  CHECK(tagged == write + list_ns);
  // FUA waits for the program, which the model books at arrival: the link
  // time hides under it, up to the list's share.
  CHECK(tagged_fua > tagged);
  CHECK(tagged_fua >= write_fua);
  CHECK(tagged_fua <= write_fua + list_ns);
}

TEST_CASE("ftl garbage collection keeps Write Tagged's per-block tags") {
  const uint64_t seed = TestSeed();
  INFO("SALIX_SEED=" << seed);
  auto h = MakeHostFrom(SmallDevice(SmallFlash()));
  const uint32_t bs = h->lba_size();
  const uint64_t blocks = h->capacity_blocks();
  std::mt19937_64 rng(seed);
  std::map<uint64_t, uint32_t> oracle;  // LBA -> tag dw0
  // Fill, then overwrite at random several times the capacity, 4 blocks
  // per command, each with its own tag.
  constexpr uint32_t kRun = 4;
  uint32_t next = 1;
  for (uint64_t op = 0; op < 6 * blocks / kRun; op++) {
    const uint64_t lba = op < blocks / kRun ? op * kRun : rng() % (blocks - kRun + 1);
    WriteTaggedArgs a;
    a.slba = lba;
    a.data = Pattern(kRun * bs, next);
    for (uint32_t i = 0; i < kRun; i++, next++) {
      a.tags.push_back(Tag(next, ~next, 0, next));
      oracle[lba + i] = next;
    }
    REQUIRE(StatusOf(WriteTagged(*h, a)).ok());
  }
  salix_stats_log log{};
  std::vector<uint8_t> page(sizeof(log));
  REQUIRE(h->GetLogPage(SALIX_LOG_STATS, page).ok());
  std::memcpy(&log, page.data(), sizeof(log));
  REQUIRE(log.gc_pages_moved > 0);
  std::vector<salix_tag_entry> t;
  for (uint64_t lba = 0; lba < blocks; lba += 128) {
    const uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(128, blocks - lba));
    REQUIRE(ReadTags(*h, lba, n, &t).ok());
    for (uint32_t i = 0; i < n; i++) {
      const uint32_t want = oracle.at(lba + i);
      INFO("LBA " << lba + i);
      REQUIRE(SameTag(t[i].tag, Tag(want, ~want, 0, want)));
    }
  }
}

TEST_CASE("ftl keeps Write Tagged's per-block tags across a restart") {
  for (bool clean : {true, false}) {
    INFO((clean ? "clean shutdown (checkpoint)" : "no shutdown (OOB scan)"));
    TempDir dir;
    auto opts = SmallDevice(SmallFlash({{"backing-file", dir.File("flash.img")}}));
    std::vector<salix_tag_entry> before;
    WriteTaggedArgs a;
    a.slba = 3;
    a.per_tag = 2;
    a.data = Pattern(15 * 4096, 6);
    a.tags = Tags(8, 40);
    {
      auto h = MakeHostFrom(opts);
      REQUIRE(StatusOf(WriteTagged(*h, a)).ok());
      REQUIRE(ReadTags(*h, 0, 20, &before).ok());
      if (clean) REQUIRE(h->Shutdown());
    }
    auto h = MakeHostFrom(opts);
    std::vector<salix_tag_entry> after;
    REQUIRE(ReadTags(*h, 0, 20, &after).ok());
    for (uint32_t i = 0; i < 20; i++) {
      INFO("LBA " << i);
      CHECK(std::memcmp(&after[i], &before[i], sizeof(after[i])) == 0);
    }
    CHECK(SameTag(after[3 + 14].tag, a.tags[7]));  // the last tag covers one block
    CHECK(SameTag(after[3 + 5].tag, a.tags[2]));
    CHECK(ReadBack(*h, 3, 15) == a.data);
  }
}

TEST_CASE("The effects log lists Write Tagged as a command that changes LBAs") {
  auto h = MakeHostFrom(SmallDevice());
  nvme::CommandEffectsLog e;
  REQUIRE(h->GetLogPage(nvme::lid::kCommandEffects,
                        {reinterpret_cast<uint8_t*>(&e), sizeof(e)})
              .ok());
  CHECK(e.iocs[0x85] == (SALIX_EFFECT_CSUPP | SALIX_EFFECT_LBCC));
}

}  // namespace
}  // namespace salix::test
