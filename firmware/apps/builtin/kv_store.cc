#include "apps/builtin/kv_store.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "apps/builtin/common.h"
#include "core/result.h"

namespace salix::apps::builtin {
namespace {

constexpr uint32_t kSuperMagic = 0x53564B53u;    // "SKVS"
constexpr uint32_t kSegmentMagic = 0x47564B53u;  // "SKVG"
constexpr uint32_t kRecordMagic = 0x52564B53u;   // "SKVR"
constexpr uint64_t kSuperLbas = 2;
constexpr uint8_t kPut = 1, kDelete = 2;

struct Superblock {
  uint32_t magic;
  uint32_t crc;
  uint64_t gen;  // the copy with the highest valid gen counts
  uint64_t epoch;
  uint64_t first;
  uint64_t count;
  uint32_t segment_lbas;
  uint32_t version;
  uint64_t mount;
};
static_assert(sizeof(Superblock) == 56);

struct SegmentHeader {
  uint32_t magic;
  uint32_t crc;
  uint64_t epoch;
  uint64_t seg_seq;
};
static_assert(sizeof(SegmentHeader) == 24);

struct RecordHeader {
  uint32_t magic;
  uint32_t crc;  // over this header (crc = 0), key and value
  uint64_t seg_seq;
  uint64_t seq;
  uint16_t key_len;
  uint8_t type;
  uint8_t pad;
  uint32_t value_len;
};
static_assert(sizeof(RecordHeader) == 32);

template <typename T>
uint32_t CrcOf(T t, std::span<const uint8_t> tail = {}) {
  t.crc = 0;
  uint32_t c = Crc32c({reinterpret_cast<const uint8_t*>(&t), sizeof(T)});
  return tail.empty() ? c : Crc32c(tail, c);
}

constexpr FunctionInfo kFunctions[] = {
    {SALIX_KV_FORMAT, "format", sizeof(salix_kv_format), sizeof(salix_kv_format)},
    {SALIX_KV_PUT, "put", sizeof(salix_kv_key_op) + 1,
     sizeof(salix_kv_key_op) + SALIX_KV_MAX_KEY + SALIX_KV_MAX_VALUE},
    {SALIX_KV_GET, "get", sizeof(salix_kv_key_op) + 1,
     sizeof(salix_kv_key_op) + SALIX_KV_MAX_KEY},
    {SALIX_KV_DELETE, "delete", sizeof(salix_kv_key_op) + 1,
     sizeof(salix_kv_key_op) + SALIX_KV_MAX_KEY},
    {SALIX_KV_SCAN, "scan", sizeof(salix_kv_scan), sizeof(salix_kv_scan) + SALIX_KV_MAX_KEY},
    {SALIX_KV_INFO, "info", sizeof(salix_kv_range), sizeof(salix_kv_range)},
};

// Reads both superblock copies; the valid one with the highest gen.
std::optional<Superblock> ReadSuper(Flash& f, uint64_t first) {
  std::vector<uint8_t> b(f.lba_size());
  std::optional<Superblock> best;
  for (uint64_t i = 0; i < kSuperLbas; i++) {
    if (!f.Read(first + i, 1, b).ok()) continue;
    auto s = Decode<Superblock>(b);
    if (s->magic != kSuperMagic || s->crc != CrcOf(*s)) continue;
    if (!best || s->gen > best->gen) best = s;
  }
  return best;
}

Status WriteSuper(Flash& f, Superblock s) {
  s.magic = kSuperMagic;
  s.crc = CrcOf(s);
  std::vector<uint8_t> b(f.lba_size(), 0);
  Encode(s, b);
  Status st = f.Write(s.first + s.gen % kSuperLbas, 1, b);
  return st.ok() ? f.Flush() : st;
}

}  // namespace

// One formatted range. All positions are LBAs relative to the range.
class KvStore {
 public:
  struct Entry {
    uint32_t seg;
    uint32_t off;   // LBA within the segment
    uint32_t lbas;
    uint32_t value_len;
    uint64_t seq;
    uint64_t seg_seq;  // to prefer the copy when GC duplicated a record
    bool tomb;
    uint32_t older;  // older records of the key still on flash
  };
  struct Segment {
    uint64_t seg_seq = 0;
    uint32_t used = 0;  // LBAs written, header included; 0: free
    uint32_t live = 0;  // LBAs of records the index points to
  };

  // Reads the superblock, bumps the mount counter, rebuilds the index.
  static Result<std::unique_ptr<KvStore>, Outcome> Open(Flash& f,
                                                        const salix_kv_range& r);

  Outcome Put(Flash& f, std::string_view key, std::span<const uint8_t> value);
  Outcome Get(Flash& f, std::string_view key, std::span<uint8_t> out);
  Outcome Delete(Flash& f, std::string_view key);
  Outcome Scan(Flash& f, std::string_view start, uint32_t max, bool keys_only,
               std::span<uint8_t> out);
  salix_kv_info Info() const;

 private:
  uint64_t SegmentLba(uint32_t seg) const {
    return first_ + kSuperLbas + uint64_t{seg} * seg_lbas_;
  }
  uint32_t RecordLbas(size_t key, size_t value) const {
    return static_cast<uint32_t>((sizeof(RecordHeader) + key + value + lba_size_ - 1) /
                                 lba_size_);
  }
  // Parses the record at 'off' of a segment image; its key and total LBAs.
  bool ParseRecord(std::span<const uint8_t> seg_image, uint32_t off, uint64_t seg_seq,
                   uint32_t used_limit, RecordHeader* h, std::string* key,
                   uint32_t* lbas) const;
  Status OpenHead(Flash& f);
  // Makes room for a record of 'lbas' at the head, cleaning if needed.
  // Deletes may take the reserve segment when nothing can be cleaned: a
  // full store must still accept deletes.
  Outcome EnsureRoom(Flash& f, uint32_t lbas, bool may_use_reserve);
  Status Clean(Flash& f, uint32_t victim);
  // Writes a record at the head (no flush).
  Status Append(Flash& f, uint8_t type, std::string_view key,
                std::span<const uint8_t> value, uint64_t seq, uint32_t* off);
  void Index(std::string_view key, const Entry& e);
  uint32_t FreeSegments() const;

  uint32_t lba_size_ = 0;
  uint64_t first_ = 0, count_ = 0;
  uint32_t seg_lbas_ = 0;
  uint64_t epoch_ = 0, mount_ = 0, seg_counter_ = 0, next_seq_ = 1;
  std::vector<Segment> segs_;
  int64_t head_ = -1;
  std::map<std::string, Entry, std::less<>> index_;
  uint64_t cleaned_ = 0;
};

uint32_t KvStore::FreeSegments() const {
  uint32_t n = 0;
  for (const Segment& s : segs_) n += s.used == 0;
  return n;
}

salix_kv_info KvStore::Info() const {
  salix_kv_info i{};
  for (const auto& [k, e] : index_) i.keys += !e.tomb;
  i.segments = segs_.size();
  i.segment_lbas = seg_lbas_;
  i.free_segments = FreeSegments();
  for (const Segment& s : segs_) i.live_lbas += s.live;
  i.cleaned = cleaned_;
  return i;
}

bool KvStore::ParseRecord(std::span<const uint8_t> img, uint32_t off, uint64_t seg_seq,
                          uint32_t used_limit, RecordHeader* h, std::string* key,
                          uint32_t* lbas) const {
  if (off >= used_limit) return false;
  auto rh = Decode<RecordHeader>(img.subspan(uint64_t{off} * lba_size_));
  if (rh->magic != kRecordMagic || rh->seg_seq != seg_seq || rh->key_len == 0 ||
      rh->key_len > SALIX_KV_MAX_KEY || rh->value_len > SALIX_KV_MAX_VALUE ||
      (rh->type != kPut && rh->type != kDelete)) {
    return false;
  }
  const uint32_t n = RecordLbas(rh->key_len, rh->value_len);
  if (off + n > used_limit) return false;
  auto body = img.subspan(uint64_t{off} * lba_size_ + sizeof(RecordHeader),
                          rh->key_len + rh->value_len);
  if (CrcOf(*rh, body) != rh->crc) return false;
  *h = *rh;
  key->assign(reinterpret_cast<const char*>(body.data()), rh->key_len);
  *lbas = n;
  return true;
}

Result<std::unique_ptr<KvStore>, Outcome> KvStore::Open(Flash& f,
                                                        const salix_kv_range& r) {
  auto sb = ReadSuper(f, r.first);
  if (!sb) {
    return Err(Fail(Status::CommandSequenceError(),
                    fmt::format("[{}, +{}) is not a formatted key-value store",
                                r.first, r.count)));
  }
  if (sb->first != r.first || sb->count != r.count) {
    return Err(Fail(Status::CommandSequenceError(),
                    fmt::format("the store at LBA {} was formatted over {} LBAs, "
                                "not {}", sb->first, sb->count, r.count)));
  }
  auto s = std::make_unique<KvStore>();
  s->lba_size_ = f.lba_size();
  s->first_ = r.first;
  s->count_ = r.count;
  s->seg_lbas_ = sb->segment_lbas;
  s->epoch_ = sb->epoch;
  // A new mount: every segment opened from now on has a sequence number no
  // earlier life of any segment had.
  Superblock next = *sb;
  next.gen++;
  next.mount++;
  if (Status st = WriteSuper(f, next); !st.ok()) {
    return Err(FailFlash(st, "writing the store's superblock"));
  }
  s->mount_ = next.mount;
  const uint64_t nseg = (r.count - kSuperLbas) / s->seg_lbas_;
  s->segs_.resize(nseg);
  std::vector<uint8_t> img(uint64_t{s->seg_lbas_} * s->lba_size_);
  uint64_t max_seq = 0;
  for (uint32_t seg = 0; seg < nseg; seg++) {
    if (Status st = f.Read(s->SegmentLba(seg), s->seg_lbas_, img); !st.ok()) {
      return Err(FailFlash(st, "reading a store segment"));
    }
    auto h = Decode<SegmentHeader>(img);
    if (h->magic != kSegmentMagic || h->epoch != s->epoch_ || h->crc != CrcOf(*h)) {
      continue;
    }
    Segment& sg = s->segs_[seg];
    sg.seg_seq = h->seg_seq;
    uint32_t off = 1;
    RecordHeader rh;
    std::string key;
    uint32_t n;
    while (s->ParseRecord(img, off, h->seg_seq, s->seg_lbas_, &rh, &key, &n)) {
      max_seq = std::max(max_seq, rh.seq);
      Entry e{seg, off, n, rh.value_len, rh.seq, h->seg_seq, rh.type == kDelete, 0};
      auto it = s->index_.find(key);
      if (it == s->index_.end()) {
        s->index_.emplace(key, e);
      } else {
        Entry& cur = it->second;
        e.older = cur.older + 1;
        if (e.seq > cur.seq || (e.seq == cur.seq && e.seg_seq > cur.seg_seq)) cur = e;
        else cur.older = e.older;
      }
      off += n;
    }
    sg.used = off;
    // The newest segment stays the head if nothing of its life lies past
    // the last good record (a torn or lost write could hide records that
    // a new record would make readable again).
    bool clean_tail = true;
    for (uint32_t l = off; l < s->seg_lbas_ && clean_tail; l++) {
      auto t = Decode<RecordHeader>(std::span<const uint8_t>(img).subspan(uint64_t{l} * s->lba_size_));
      clean_tail = !(t->magic == kRecordMagic && t->seg_seq == h->seg_seq);
    }
    if (clean_tail && off < s->seg_lbas_ &&
        (s->head_ < 0 || h->seg_seq > s->segs_[s->head_].seg_seq)) {
      s->head_ = seg;
    } else if (s->head_ >= 0 && h->seg_seq > s->segs_[s->head_].seg_seq) {
      s->head_ = -1;  // a newer segment that cannot be resumed
    }
  }
  for (const auto& [k, e] : s->index_) s->segs_[e.seg].live += e.lbas;
  s->next_seq_ = max_seq + 1;
  // Segments cleaned before the restart still hold their (now dead)
  // records: free them again, so the reserve is there.
  for (uint32_t seg = 0; seg < nseg; seg++) {
    if (s->segs_[seg].used == 0 || s->segs_[seg].live != 0 || int64_t(seg) == s->head_) continue;
    if (Status st = s->Clean(f, seg); !st.ok()) {
      return Err(FailFlash(st, "freeing a cleaned segment"));
    }
  }
  return s;
}

Status KvStore::OpenHead(Flash& f) {
  for (uint32_t i = 0; i < segs_.size(); i++) {
    if (segs_[i].used != 0) continue;
    SegmentHeader h{kSegmentMagic, 0, epoch_, (mount_ << 32) | ++seg_counter_};
    h.crc = CrcOf(h);
    std::vector<uint8_t> b(lba_size_, 0);
    Encode(h, b);
    Status st = f.Write(SegmentLba(i), 1, b);
    if (!st.ok()) return st;
    segs_[i] = {h.seg_seq, 1, 0};
    head_ = i;
    return st;
  }
  return Status::InternalError();  // callers check FreeSegments() first
}

Status KvStore::Clean(Flash& f, uint32_t victim) {
  std::vector<uint8_t> img(uint64_t{seg_lbas_} * lba_size_);
  Status st = f.Read(SegmentLba(victim), seg_lbas_, img);
  if (!st.ok()) return st;
  const Segment v = segs_[victim];
  uint32_t off = 1;
  RecordHeader rh;
  std::string key;
  uint32_t n;
  while (ParseRecord(img, off, v.seg_seq, v.used, &rh, &key, &n)) {
    auto it = index_.find(key);
    if (it != index_.end() && it->second.seg == victim && it->second.off == off) {
      Entry& e = it->second;
      if (e.tomb && e.older == 0) {  // nothing left for it to hide
        index_.erase(it);
      } else {
        Segment& h = segs_[head_];
        // Copy as is, under the head's segment sequence number.
        rh.seg_seq = h.seg_seq;
        auto body = std::span<uint8_t>(img).subspan(
            uint64_t{off} * lba_size_, uint64_t{n} * lba_size_);
        rh.crc = CrcOf(rh, body.subspan(sizeof(RecordHeader), rh.key_len + rh.value_len));
        std::memcpy(body.data(), &rh, sizeof(rh));
        st = f.Write(SegmentLba(head_) + h.used, n, body);
        if (!st.ok()) return st;
        e.seg = static_cast<uint32_t>(head_);
        e.off = h.used;
        e.seg_seq = h.seg_seq;
        h.used += n;
        h.live += n;
      }
    } else if (it != index_.end() && it->second.older > 0) {
      it->second.older--;  // an older record of the key is gone
    }
    off += n;
  }
  // The copies are durable before the victim can be rewritten.
  st = f.Flush();
  if (!st.ok()) return st;
  // Its records must not come back at a rebuild once a tombstone that hides
  // them is dropped: clear the header. Any later Flush (the one before a
  // tombstone's segment changes) makes this durable first.
  std::vector<uint8_t> zero(lba_size_, 0);
  st = f.Write(SegmentLba(victim), 1, zero);
  if (!st.ok()) return st;
  segs_[victim] = Segment{};
  cleaned_++;
  return st;
}

Outcome KvStore::EnsureRoom(Flash& f, uint32_t lbas, bool may_use_reserve) {
  for (size_t tries = 0; tries < 2 * segs_.size() + 2; tries++) {
    if (head_ >= 0 && segs_[head_].used + lbas <= seg_lbas_) return Outcome();
    // Two segments stay free: one the cleaner copies into, one deletes may
    // take when nothing can be cleaned (a full store must accept deletes).
    if (FreeSegments() > (may_use_reserve ? 1u : 2u)) {
      if (Status st = OpenHead(f); !st.ok()) return FailFlash(st, "opening a segment");
      continue;
    }
    // Clean the sealed segment with the fewest live LBAs that has dead ones
    // and whose live records have somewhere to go (the head, or a free
    // segment).
    const uint32_t head_room = head_ >= 0 ? seg_lbas_ - segs_[head_].used : 0;
    const bool have_free = FreeSegments() > 0;
    int64_t victim = -1;
    for (uint32_t i = 0; i < segs_.size(); i++) {
      const Segment& s = segs_[i];
      if (int64_t(i) == head_ || s.used == 0 || s.live + 1 >= s.used) continue;
      if (!have_free && s.live > head_room) continue;
      if (victim < 0 || s.live < segs_[victim].live) victim = i;
    }
    if (victim < 0) break;
    const bool fits_head =
        segs_[victim].live == 0 ||
        (head_ >= 0 && segs_[head_].used + segs_[victim].live <= seg_lbas_);
    if (!fits_head) {
      if (FreeSegments() == 0) break;
      if (Status st = OpenHead(f); !st.ok()) return FailFlash(st, "opening a segment");
    }
    if (Status st = Clean(f, static_cast<uint32_t>(victim)); !st.ok()) {
      return FailFlash(st, "cleaning a segment");
    }
  }
  uint64_t live = 0;
  for (const Segment& s : segs_) live += s.live;
  return Fail(Status::CapacityExceeded(),
              fmt::format("key-value store full: {} of {} LBAs hold live records, "
                          "a record of {} LBAs does not fit",
                          live, (segs_.size() - 2) * (seg_lbas_ - 1), lbas));
}

Status KvStore::Append(Flash& f, uint8_t type, std::string_view key,
                       std::span<const uint8_t> value, uint64_t seq, uint32_t* off) {
  Segment& h = segs_[head_];
  const uint32_t n = RecordLbas(key.size(), value.size());
  std::vector<uint8_t> rec(uint64_t{n} * lba_size_, 0);
  RecordHeader rh{kRecordMagic, 0, h.seg_seq, seq, static_cast<uint16_t>(key.size()),
                  type, 0, static_cast<uint32_t>(value.size())};
  std::memcpy(rec.data() + sizeof(rh), key.data(), key.size());
  if (!value.empty()) {
    std::memcpy(rec.data() + sizeof(rh) + key.size(), value.data(), value.size());
  }
  rh.crc = CrcOf(rh, std::span<const uint8_t>(rec).subspan(sizeof(rh),
                                                          key.size() + value.size()));
  std::memcpy(rec.data(), &rh, sizeof(rh));
  Status st = f.Write(SegmentLba(head_) + h.used, n, rec);
  if (st.ok()) st = f.Flush();
  if (!st.ok()) return st;
  *off = h.used;
  h.used += n;
  return st;
}

void KvStore::Index(std::string_view key, const Entry& e) {
  auto it = index_.find(key);
  Entry ne = e;
  if (it != index_.end()) {
    segs_[it->second.seg].live -= it->second.lbas;
    ne.older = it->second.older + 1;
    it->second = ne;
  } else {
    index_.emplace(std::string(key), ne);
  }
  segs_[e.seg].live += e.lbas;
}

Outcome KvStore::Put(Flash& f, std::string_view key, std::span<const uint8_t> value) {
  const uint32_t n = RecordLbas(key.size(), value.size());
  if (n > seg_lbas_ - 1) {
    return Fail(Status::InvalidField(),
                fmt::format("a record of {} LBAs does not fit a segment of {} LBAs",
                            n, seg_lbas_));
  }
  Outcome room = EnsureRoom(f, n, false);
  if (!room.status.ok()) return room;
  const uint64_t seq = next_seq_++;
  uint32_t off;
  if (Status st = Append(f, kPut, key, value, seq, &off); !st.ok()) {
    return FailFlash(st, "writing a record");
  }
  Index(key, {static_cast<uint32_t>(head_), off, n, static_cast<uint32_t>(value.size()),
              seq, segs_[head_].seg_seq, false, 0});
  return Outcome();
}

Outcome KvStore::Delete(Flash& f, std::string_view key) {
  auto it = index_.find(key);
  if (it == index_.end() || it->second.tomb) return Outcome();  // value 0
  const uint32_t n = RecordLbas(key.size(), 0);
  Outcome room = EnsureRoom(f, n, true);
  if (!room.status.ok()) return room;
  const uint64_t seq = next_seq_++;
  uint32_t off;
  if (Status st = Append(f, kDelete, key, {}, seq, &off); !st.ok()) {
    return FailFlash(st, "writing a tombstone");
  }
  Index(key, {static_cast<uint32_t>(head_), off, n, 0, seq, segs_[head_].seg_seq, true, 0});
  Outcome o;
  o.value = 1;
  return o;
}

Outcome KvStore::Get(Flash& f, std::string_view key, std::span<uint8_t> out) {
  auto it = index_.find(key);
  if (it == index_.end() || it->second.tomb) {
    Outcome o;
    o.value = SALIX_KV_ABSENT;
    return o;
  }
  const Entry& e = it->second;
  if (out.size() < e.value_len) {
    return Fail(Status::InvalidField(),
                fmt::format("output of {} bytes, the value has {}", out.size(), e.value_len),
                e.value_len);
  }
  std::vector<uint8_t> rec(uint64_t{e.lbas} * lba_size_);
  if (Status st = f.Read(SegmentLba(e.seg) + e.off, e.lbas, rec); !st.ok()) {
    return FailFlash(st, "reading a record");
  }
  auto h = Decode<RecordHeader>(rec);
  auto body = std::span<const uint8_t>(rec).subspan(sizeof(RecordHeader),
                                                    h->key_len + e.value_len);
  if (h->magic != kRecordMagic || h->key_len != key.size() || CrcOf(*h, body) != h->crc ||
      std::memcmp(body.data(), key.data(), key.size()) != 0) {
    return Fail(Status::UnrecoveredReadError(),
                "the record on flash does not check (was the range written directly?)");
  }
  std::memcpy(out.data(), body.data() + key.size(), e.value_len);
  Outcome o;
  o.value = e.value_len;
  o.output_len = e.value_len;
  return o;
}

Outcome KvStore::Scan(Flash& f, std::string_view start, uint32_t max, bool keys_only,
                      std::span<uint8_t> out) {
  salix_kv_scan_header sh{0, 0};
  size_t pos = sizeof(sh);
  std::vector<uint8_t> value;
  for (auto it = index_.lower_bound(start); it != index_.end(); ++it) {
    const Entry& e = it->second;
    if (e.tomb) continue;
    const size_t need = sizeof(salix_kv_scan_entry) + it->first.size() +
                        (keys_only ? 0 : e.value_len);
    if (sh.count == max || pos + need > out.size()) {
      sh.more = 1;
      break;
    }
    salix_kv_scan_entry se{static_cast<uint32_t>(it->first.size()), e.value_len};
    std::memcpy(out.data() + pos, &se, sizeof(se));
    std::memcpy(out.data() + pos + sizeof(se), it->first.data(), it->first.size());
    if (!keys_only) {
      Outcome g = Get(f, it->first, out.subspan(pos + sizeof(se) + it->first.size()));
      if (!g.status.ok()) return g;
    }
    pos += need;
    sh.count++;
  }
  std::memcpy(out.data(), &sh, sizeof(sh));
  Outcome o;
  o.value = sh.count;
  o.output_len = static_cast<uint32_t>(pos);
  return o;
}

KvApp::KvApp() = default;
KvApp::~KvApp() = default;

std::span<const FunctionInfo> KvApp::functions() const { return kFunctions; }

Status KvApp::Recover(Flash& /*private_flash*/) {
  stores_.clear();
  return Status();
}

namespace {

// Range checks common to every function: within the namespace, readable
// and writable for the caller, room for the superblocks and two segments.
std::optional<Outcome> CheckRange(const struct Call& call, const salix_kv_range& r) {
  if (call.flash == nullptr) {
    return Fail(Status::InvalidField(), "the call carries no domain");
  }
  if (!RangeWithin(r.first, r.count, call.flash->lba_count())) {
    return Fail(Status::LbaOutOfRange(),
                fmt::format("store range [{}, +{}) is beyond the namespace ({} LBAs)",
                            r.first, r.count, call.flash->lba_count()));
  }
  return CheckDomain(call, r.first, r.count, kRightReadWrite, "store range");
}

}  // namespace

Outcome KvApp::Format(const struct Call& call) {
  const auto fm = Decode<salix_kv_format>(call.input);
  if (auto o = CheckRange(call, fm->range)) return *o;
  const uint32_t seg = fm->segment_lbas ? fm->segment_lbas : SALIX_KV_DEFAULT_SEGMENT;
  const uint32_t min_seg = (sizeof(RecordHeader) + SALIX_KV_MAX_KEY + call.flash->lba_size() - 1) /
                               call.flash->lba_size() + 1;
  if (fm->reserved != 0 || seg < std::max<uint32_t>(min_seg, 2) ||
      fm->range.count < kSuperLbas + 3ull * seg) {
    return Fail(Status::InvalidField(),
                fmt::format("segments of {} LBAs over {} LBAs: need segments of at "
                            "least {} LBAs, at least 3 of them after {} superblock "
                            "LBAs, reserved 0",
                            seg, fm->range.count, std::max<uint32_t>(min_seg, 2),
                            kSuperLbas));
  }
  CountingFlash f(*call.flash);
  auto old = ReadSuper(f, fm->range.first);
  Superblock sb{};
  sb.gen = old ? old->gen + 1 : 1;
  // A new epoch: records of every earlier format stop counting.
  sb.epoch = Mix64((old ? old->epoch : 0) ^ Mix64(fm->range.first ^ (++formats_ << 48)) ^
                   f.now_ns());
  sb.first = fm->range.first;
  sb.count = fm->range.count;
  sb.segment_lbas = seg;
  sb.version = 1;
  sb.mount = 0;
  stores_.erase({fm->range.first, fm->range.count});
  Status st = WriteSuper(f, sb);
  Outcome o = st.ok() ? Outcome() : FailFlash(st, "writing the store's superblock");
  f.AddTo(o.stats);
  return o;
}

Outcome KvApp::WithStore(const struct Call& call, const salix_kv_range& range) {
  if (auto o = CheckRange(call, range)) return *o;
  CountingFlash f(*call.flash);
  const auto id = std::make_pair(range.first, range.count);
  auto it = stores_.find(id);
  if (it == stores_.end()) {
    auto s = KvStore::Open(f, range);
    if (!s.ok()) {
      Outcome o = s.error();
      f.AddTo(o.stats);
      return o;
    }
    if (stores_.size() >= kMaxCachedStores) stores_.erase(stores_.begin());
    it = stores_.emplace(id, std::move(s).value()).first;
  }
  KvStore& store = *it->second;
  Outcome o;
  if (call.function == SALIX_KV_INFO) {
    if (call.output.size() < sizeof(salix_kv_info)) {
      o = Fail(Status::InvalidField(), fmt::format("info needs {} bytes of output",
                                                   sizeof(salix_kv_info)));
    } else {
      Encode(store.Info(), call.output);
      o.output_len = sizeof(salix_kv_info);
    }
  } else if (call.function == SALIX_KV_SCAN) {
    const auto sc = Decode<salix_kv_scan>(call.input);
    const uint64_t key_bytes = call.input.size() - sizeof(salix_kv_scan);
    if (sc->key_len != key_bytes || sc->max_entries == 0 ||
        (sc->flags & ~SALIX_KV_SCAN_KEYS_ONLY) || sc->reserved != 0 ||
        call.output.size() < sizeof(salix_kv_scan_header)) {
      o = Fail(Status::InvalidField(),
               fmt::format("scan: key_len {} with {} key bytes, max_entries {}, flags "
                           "{:#x}, output {} bytes", sc->key_len, key_bytes,
                           sc->max_entries, sc->flags, call.output.size()));
    } else {
      std::string_view start(reinterpret_cast<const char*>(call.input.data()) +
                                 sizeof(salix_kv_scan), sc->key_len);
      o = store.Scan(f, start, sc->max_entries, sc->flags & SALIX_KV_SCAN_KEYS_ONLY,
                     call.output);
    }
  } else {
    const auto op = Decode<salix_kv_key_op>(call.input);
    const uint64_t rest = call.input.size() - sizeof(salix_kv_key_op);
    const bool put = call.function == SALIX_KV_PUT;
    if (op->key_len == 0 || op->key_len > SALIX_KV_MAX_KEY ||
        (!put && op->value_len != 0) || op->value_len > SALIX_KV_MAX_VALUE ||
        rest != uint64_t{op->key_len} + op->value_len) {
      o = Fail(Status::InvalidField(),
               fmt::format("key_len {} value_len {} with {} bytes after the header: "
                           "keys 1..{} bytes, values up to {} (put only)",
                           op->key_len, op->value_len, rest, SALIX_KV_MAX_KEY,
                           SALIX_KV_MAX_VALUE));
    } else {
      const char* k = reinterpret_cast<const char*>(call.input.data()) +
                      sizeof(salix_kv_key_op);
      std::string_view key(k, op->key_len);
      if (put) {
        o = store.Put(f, key, call.input.subspan(sizeof(salix_kv_key_op) + op->key_len));
      } else if (call.function == SALIX_KV_GET) {
        o = store.Get(f, key, call.output);
      } else {
        o = store.Delete(f, key);
      }
    }
  }
  // A flash failure may leave the index ahead of or behind the media: the
  // next call rebuilds it.
  const bool media = !o.status.ok() && o.status != Status::InvalidField() &&
                     o.status != Status::CapacityExceeded();
  if (media) stores_.erase(id);
  f.AddTo(o.stats);
  return o;
}

Outcome KvApp::Call(const struct Call& call) {
  if (call.function == SALIX_KV_FORMAT) return Format(call);
  const auto r = Decode<salix_kv_range>(call.input);
  return WithStore(call, *r);
}

}  // namespace salix::apps::builtin
