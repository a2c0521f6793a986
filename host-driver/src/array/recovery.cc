// recovery.cc - rebuilding the engine's map from its members (OpenArray).
//
// Nothing of the map is trusted from memory. Sources, newest first:
//   1. the stripe table (mirrored on every member; per table chunk the copy
//      with the highest generation wins): closed stripes, which slots their
//      parity covers, and each slot's logical chunk and sequence number;
//   2. chunk tags read back with Read Tags from every live member: data and
//      backup tags of stripes that were open (not yet in the table), and of
//      stripes reused since their table record was written.
// A slot of an open stripe counts only if every live copy is there (the
// data on its data member and the backup on each live parity member, with
// the same sequence number): a write that did not reach all of them was
// never acknowledged. Recovered open stripes are converted right away.
// Per logical chunk the highest sequence number wins, as at run time.
#include <fmt/format.h>
#include <salix/opcodes.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <map>

#include "array/commands.h"
#include "array/engine.h"

namespace salix::host::array {
namespace {

constexpr uint32_t kTagBatch = 2048;  // LBAs per Read Tags (64 KiB of entries)
constexpr size_t kMaxDsmRanges = 256;  // ranges per Dataset Management
constexpr uint64_t kTableReadBytes = 256 * 1024;  // stripe table per Read

struct Copy {
  uint64_t seq = 0;
  uint32_t lc = 0;
  bool present = false;
};

// Where a stripe's backups are on one parity member (Engine::Stripe).
struct BackupLoc {
  uint32_t group = ~0u;
  uint8_t len = 1, pos = 0;
  bool operator==(const BackupLoc&) const = default;
};

}  // namespace

Result<bool> Engine::Recover() {
  const unsigned k = geo_.k;
  // ---- 1. stripe table -----------------------------------------------------------
  std::vector<uint8_t> best(geo_.table_chunks * geo_.chunk_bytes, 0);
  std::vector<uint64_t> best_gen(geo_.table_chunks, 0);
  std::vector<bool> have(geo_.table_chunks, false);
  for (unsigned d = 0; d < n_; d++) {
    if (!alive(d)) continue;
    // Many table chunks per Read (a 512 MiB member has ~650 of them; one
    // synchronous command each made an array open cost seconds under TCG).
    const uint32_t limit = members_[d].dev->info().max_transfer_bytes;
    const uint64_t per_read = std::max<uint64_t>(
        1, std::min<uint64_t>(kTableReadBytes, limit ? limit : kTableReadBytes) /
               geo_.chunk_bytes);
    std::vector<uint8_t> buf(per_read * geo_.chunk_bytes);
    bool failed = false;
    for (uint64_t first = 0; first < geo_.table_chunks && !failed; first += per_read) {
      const uint64_t count = std::min<uint64_t>(per_read, geo_.table_chunks - first);
      DeviceCommand cmd = Rw(SALIX_IO_READ, geo_.ChunkLba(geo_.table_start + first),
                             static_cast<uint32_t>(count * geo_.chunk_blocks), buf.data(),
                             static_cast<uint32_t>(count * geo_.chunk_bytes));
      DeviceCompletion done = members_[d].dev->Execute(cmd);
      if (!done.ok()) {
        failed = true;  // a dying member: dropped below
        break;
      }
      for (uint64_t x = 0; x < count; x++) {
        const uint64_t c = first + x;
        const uint8_t* chunk = buf.data() + x * geo_.chunk_bytes;
        TableHeader h;
        std::memcpy(&h, chunk, sizeof(h));
        if (h.magic != kTableMagic || h.uuid != sb_.uuid || h.chunk_index != c) {
          continue;
        }
        if (!have[c] || h.generation > best_gen[c]) {
          have[c] = true;
          best_gen[c] = h.generation;
          std::memcpy(best.data() + c * geo_.chunk_bytes, chunk, geo_.chunk_bytes);
        }
      }
    }
  }
  uint64_t rpc = RecordsPerChunk(geo_.chunk_bytes, k);
  uint64_t max_seq = 0;
  for (uint64_t c = 0; c < geo_.table_chunks; c++) {
    table_generation_ = std::max(table_generation_, best_gen[c]);
    if (!have[c]) continue;
    for (uint64_t r = 0; r < rpc; r++) {
      uint64_t s = c * rpc + r;
      if (s >= geo_.stripes) break;
      const uint8_t* p = best.data() + c * geo_.chunk_bytes +
                         sizeof(TableHeader) + r * RecordBytes(k);
      uint32_t state;
      std::memcpy(&state, p + 12, 4);
      if (state != 1) continue;
      Stripe& st = stripes_[s];
      st.phase = Phase::kClosed;
      std::memcpy(&st.epoch, p, 8);
      std::memcpy(&st.included, p + 8, 2);
      uint16_t pok;
      std::memcpy(&pok, p + 10, 2);
      st.parity_ok = static_cast<uint8_t>(pok);
      st.claimed = st.written = st.included;
      max_seq = std::max(max_seq, st.epoch);
      for (unsigned i = 0; i < k; i++) {
        SlotRecord rec;
        std::memcpy(&rec, p + kRecordHeaderBytes + i * 16, 16);
        slot_lc_[s * k + i] = rec.lc;
        slot_seq_[s * k + i] = rec.seq;
        max_seq = std::max(max_seq, rec.seq);
      }
    }
  }

  // ---- 2. chunk tags ---------------------------------------------------------------
  // data[s * k + i]: the data member's tag; backup[j][s * k + i].
  std::vector<Copy> data(geo_.stripes * k);
  std::vector<std::vector<Copy>> backup(geo_.m, std::vector<Copy>(geo_.stripes * k));
  std::vector<std::vector<BackupLoc>> group(geo_.m,
                                            std::vector<BackupLoc>(geo_.stripes));
  // The newest backup seen per (parity j, stripe): its location wins.
  std::vector<std::vector<uint64_t>> group_seq(geo_.m,
                                               std::vector<uint64_t>(geo_.stripes, 0));
  // Per member, groups holding any backup tag: those left unused below are
  // deallocated, so that no stale backup outlives the recovery.
  std::vector<std::vector<bool>> tagged(n_, std::vector<bool>(geo_.groups, false));
  std::vector<salix_tag_entry> tags(kTagBatch);
  auto read_tags = [&](unsigned d, uint64_t first_chunk, uint64_t chunks,
                       const std::function<void(uint64_t chunk, const ChunkTag&)>& fn)
      -> Result<bool> {
    uint64_t first = geo_.ChunkLba(first_chunk);
    uint64_t blocks = chunks * geo_.chunk_blocks;
    for (uint64_t off = 0; off < blocks; off += kTagBatch) {
      uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(kTagBatch, blocks - off));
      DeviceCommand cmd;
      cmd.opcode = SALIX_IO_READ_TAGS;
      uint64_t lba = first + off;
      cmd.cdw10 = static_cast<uint32_t>(lba);
      cmd.cdw11 = static_cast<uint32_t>(lba >> 32);
      cmd.cdw12 = n - 1;
      cmd.data = tags.data();
      cmd.data_len = n * sizeof(salix_tag_entry);
      DeviceCompletion done = members_[d].dev->Execute(cmd);
      if (!done.ok()) {
        return Error{fmt::format("{}: Read Tags failed (status {:#x}, errno "
                                 "{})",
                                 members_[d].dev->info().name, done.status,
                                 done.errno_)};
      }
      for (uint32_t e = 0; e < n; e += geo_.chunk_blocks) {
        if (!(tags[e].flags & SALIX_TAG_MAPPED)) continue;
        auto t = DecodeTag(tags[e].tag);
        if (!t) continue;
        fn(first_chunk + (off + e) / geo_.chunk_blocks, *t);
      }
    }
    return true;
  };
  // A member that answers its superblock but fails here is dying: it is
  // dropped (marked failed, recorded in the superblocks by Sync below) if the
  // parity covers its loss, and the scan starts over without it.
  auto drop = [&](unsigned d, const Error& e) -> Result<bool> {
    members_[d].state = MemberState::kFailed;
    sb_.member_state[d] = static_cast<uint8_t>(MemberState::kFailed);
    CountAlive();
    if (alive_count() < geo_.k) return e;
    return true;
  };
  for (unsigned d = 0; d < n_; d++) {
    if (!alive(d)) continue;
    auto r = read_tags(d, geo_.data_start, geo_.stripes,
                       [&](uint64_t chunk, const ChunkTag& t) {
                         uint64_t s = chunk - geo_.data_start;
                         // A band run's piece names its first stripe: the
                         // page of stripe s holds value + (s - stripe).
                         if (t.kind != TagKind::kData || t.stripe > s ||
                             s - t.stripe >= kMaxBandRun ||
                             t.stripe / geo_.rotation != s / geo_.rotation ||
                             t.index >= k || geo_.DataMember(s, t.index) != d) {
                           return;
                         }
                         data[s * k + t.index] = {
                             t.seq, t.value + static_cast<uint32_t>(s - t.stripe), true};
                         max_seq = std::max(max_seq, t.seq);
                       });
    if (!r.ok()) {
      auto dr = drop(d, r.error());
      if (!dr.ok()) return dr;
      return Recover();  // again, without d
    }
    r = read_tags(d, geo_.transient_start, geo_.groups * k,
                  [&](uint64_t chunk, const ChunkTag& t) {
                    uint64_t rel = chunk - geo_.transient_start;
                    uint32_t g = static_cast<uint32_t>(rel / k);
                    unsigned i = static_cast<unsigned>(rel % k);
                    uint64_t s = t.stripe;
                    uint32_t lc = 0;
                    BackupLoc loc{g, 1, 0};
                    if (t.kind == TagKind::kBackup) {
                      // A run's backups are one command with one tag, naming
                      // its first index and chunk: index i holds chunk
                      // value + (i - index) (layout.h).
                      if (t.index > i) return;
                      lc = t.value + (i - t.index);
                    } else if (t.kind == TagKind::kBackupRun) {
                      // A band run's extent of R groups (the first a
                      // multiple of R): chunk c is index c / R of stripe
                      // stripe + c % R and holds value + c.
                      const unsigned R = 1u << t.index;
                      if (R < 2 || R > kMaxBandRun) return;
                      const uint32_t first = g & ~(R - 1);
                      const uint64_t c = rel - uint64_t{first} * k;
                      i = static_cast<unsigned>(c / R);
                      s = t.stripe + c % R;
                      lc = t.value + static_cast<uint32_t>(c);
                      loc = {first, static_cast<uint8_t>(R), static_cast<uint8_t>(c % R)};
                    } else {
                      return;
                    }
                    if (s >= geo_.stripes) return;
                    tagged[d][g] = true;
                    for (unsigned j = 0; j < geo_.m; j++) {
                      if (geo_.ParityMember(s, j) != d) continue;
                      Copy& c = backup[j][s * k + i];
                      if (c.present && c.seq > t.seq) return;
                      c = {t.seq, lc, true};
                      if (t.seq >= group_seq[j][s]) {
                        group_seq[j][s] = t.seq;
                        group[j][s] = loc;
                      }
                    }
                    max_seq = std::max(max_seq, t.seq);
                  });
    if (!r.ok()) {
      auto dr = drop(d, r.error());
      if (!dr.ok()) return dr;
      return Recover();
    }
  }

  // ---- 3. open stripes from tags ----------------------------------------------------------
  // A stripe's backups are where its newest ones are: in its own group or
  // at one place of a band run's extent, the same on every parity member
  // (one write put them there). A member that disagrees holds no usable
  // backup of the stripe.
  auto place_backups = [&](Stripe& st, uint64_t s) {
    const BackupLoc* ref = nullptr;
    for (unsigned j = 0; j < geo_.m; j++) {
      BackupLoc& loc = group[j][s];
      if (loc.group == ~0u) continue;
      if (ref == nullptr) ref = &loc;
      if (loc.len != ref->len || loc.pos != ref->pos) {
        loc = BackupLoc{};
        for (unsigned i = 0; i < k; i++) backup[j][s * k + i] = Copy{};
      }
    }
    for (unsigned j = 0; j < geo_.m; j++) st.group[j] = group[j][s].group;
    if (ref != nullptr) {
      st.run_len = ref->len;
      st.run_pos = ref->pos;
    }
  };
  for (uint64_t s = 0; s < geo_.stripes; s++) {
    Stripe& st = stripes_[s];
    if (st.phase == Phase::kClosed) {
      // Backups older than the recorded use (its epoch is the sequence
      // number when it opened) belong to an earlier use whose groups were
      // never cleaned: e.g. a use that a crash left with backups but no
      // data, which recovery freed. They say nothing about this stripe.
      for (unsigned j = 0; j < geo_.m; j++) {
        bool any = false;
        for (unsigned i = 0; i < k; i++) {
          Copy& c = backup[j][s * k + i];
          if (c.present && c.seq < st.epoch) c = Copy{};
          any |= c.present;
        }
        if (!any) group[j][s] = BackupLoc{};
      }
    }
    uint64_t newest_backup = 0;
    for (unsigned j = 0; j < geo_.m; j++) {
      for (unsigned i = 0; i < k; i++) {
        const Copy& c = backup[j][s * k + i];
        if (c.present) newest_backup = std::max(newest_backup, c.seq);
      }
    }
    if (newest_backup == 0) {
      // No backups: a free or closed stripe — or an open one whose parity
      // members are all dead, known only from data tags its record (if
      // any) does not explain.
      bool parity_dead = true;
      for (unsigned j = 0; j < geo_.m; j++) {
        parity_dead &= !alive(geo_.ParityMember(s, j));
      }
      bool unexplained = false;
      for (unsigned i = 0; i < k && parity_dead; i++) {
        const Copy& c = data[s * k + i];
        unexplained |= c.present && (st.phase != Phase::kClosed ||
                                     c.seq != slot_seq_[s * k + i]);
      }
      if (!unexplained) continue;
    }
    if (st.phase == Phase::kClosed && newest_backup > 0) {
      // Backups of this very use (conversion done, table written, backups
      // not yet freed): the record is current; free the backups later.
      bool same_use = false;
      for (unsigned i = 0; i < k && !same_use; i++) {
        for (unsigned j = 0; j < geo_.m; j++) {
          const Copy& c = backup[j][s * k + i];
          same_use |= c.present && c.seq == slot_seq_[s * k + i] &&
                      (st.included & (1u << i));
        }
      }
      if (same_use) {
        st.backups_live = true;
        place_backups(st, s);
        awaiting_table_.push_back(s);
        continue;
      }
    }
    // An open (replicating) use of the stripe.
    Stripe open;
    open.phase = Phase::kOpen;
    open.backups_live = true;
    open.epoch = 0;
    place_backups(open, s);
    for (unsigned i = 0; i < k; i++) {
      unsigned dm = geo_.DataMember(s, i);
      uint64_t seq = 0;
      uint32_t lc = 0;
      bool ok = true, any = false;
      if (alive(dm)) {
        const Copy& c = data[s * k + i];
        ok = c.present;
        seq = c.seq;
        lc = c.lc;
        any = c.present;
      }
      for (unsigned j = 0; j < geo_.m && ok; j++) {
        if (!alive(geo_.ParityMember(s, j))) continue;
        const Copy& c = backup[j][s * k + i];
        if (!c.present || (any && c.seq != seq)) {
          ok = false;
          break;
        }
        seq = c.seq;
        lc = c.lc;
        any = true;
      }
      if (ok && any && lc < geo_.logical_chunks) {
        open.written |= 1u << i;
        slot_lc_[s * k + i] = lc;
        slot_seq_[s * k + i] = seq;
      }
    }
    open.claimed = static_cast<uint16_t>((1u << k) - 1);
    st = open;
    if (st.written == 0) {
      // Nothing complete: the stripe is free, its groups too.
      st = Stripe{};
    }
  }

  // ---- 4. the map -------------------------------------------------------------------------
  for (uint64_t s = 0; s < geo_.stripes; s++) {
    Stripe& st = stripes_[s];
    if (st.phase == Phase::kFree) continue;
    uint16_t live = st.phase == Phase::kClosed ? st.included : st.written;
    for (unsigned i = 0; i < k; i++) {
      if (!(live & (1u << i))) continue;
      uint64_t slot = s * k + i;
      uint32_t lc = slot_lc_[slot];
      if (lc >= geo_.logical_chunks) continue;
      uint64_t cur = l2p_[lc];
      if (cur == kUnmapped || slot_seq_[cur] < slot_seq_[slot]) {
        if (cur != kUnmapped) stripes_[cur / k].valid--;
        l2p_[lc] = slot;
        st.valid++;
      }
    }
  }
  seq_ = max_seq + 1;

  // ---- 5. free lists; convert what was open -------------------------------------------------------
  free_stripes_.Reset(geo_.stripes);
  for (unsigned d = 0; d < n_; d++) {
    std::vector<bool> used(geo_.groups, false);
    // Band run extents in use: their length and which places still serve
    // a stripe.
    std::vector<uint8_t> extent_len(geo_.groups, 0);
    std::vector<uint16_t> extent_live(geo_.groups, 0);
    for (uint64_t s = 0; s < geo_.stripes; s++) {
      const Stripe& st = stripes_[s];
      if (!st.backups_live) continue;
      for (unsigned j = 0; j < geo_.m; j++) {
        const uint32_t g = st.group[j];
        if (geo_.ParityMember(s, j) != d || g >= geo_.groups ||
            g + st.run_len > geo_.groups) {
          continue;
        }
        for (unsigned x = 0; x < st.run_len; x++) used[g + x] = true;
        if (st.run_len > 1) {
          extent_len[g] = st.run_len;
          extent_live[g] |= static_cast<uint16_t>(1u << st.run_pos);
        }
      }
    }
    members_[d].free_groups.Reset(geo_.groups);  // filled below
    members_[d].extent_users.assign(geo_.groups, 0);
    std::vector<DsmRange> stale;
    for (uint32_t g = 0; g < geo_.groups; g++) {
      if (extent_len[g] != 0) {
        // The places of stripes that recovery freed or found converted go
        // now; the rest with the run's last stripe (FreeBackups).
        members_[d].extent_users[g] = static_cast<uint8_t>(std::popcount(extent_live[g]));
        for (unsigned x = 0; x < extent_len[g]; x++) {
          if (extent_live[g] & (1u << x)) continue;
          for (unsigned i = 0; i < k; i++) {
            stale.push_back({0, geo_.chunk_blocks, geo_.BackupLba(g, i, extent_len[g], x)});
          }
        }
      }
      if (used[g]) continue;
      members_[d].free_groups.Put(g);
      if (tagged[d][g]) stale.push_back({0, k * geo_.chunk_blocks, geo_.BackupLba(g, 0)});
    }
    // Unused groups that still hold backups (of uses that recovery freed or
    // found converted): deallocated now, or a later recovery could read
    // them as backups of a newer use of their stripe. A failure here only
    // leaves them, as before.
    for (size_t first = 0; first < stale.size() && alive(d); first += kMaxDsmRanges) {
      std::vector<DsmRange> batch(
          stale.begin() + static_cast<std::ptrdiff_t>(first),
          stale.begin() + static_cast<std::ptrdiff_t>(std::min(stale.size(), first + kMaxDsmRanges)));
      (void)members_[d].dev->Execute(Deallocate(batch));
    }
  }
  std::vector<uint64_t> to_convert;
  for (uint64_t s = 0; s < geo_.stripes; s++) {
    Stripe& st = stripes_[s];
    if (st.phase == Phase::kFree) free_stripes_.Put(s);
    if (st.phase == Phase::kOpen) {
      st.epoch = NextSeq();
      AddOpen(s);
      to_convert.push_back(s);
    }
  }
  for (uint64_t s : to_convert) MaybeConvert(s);
  auto r = Sync();
  if (!r.ok()) return r;
  return true;
}

}  // namespace salix::host::array
