// stats_report.cc - text and JSON renderings of the statistics page.
#include "salix/host/stats_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

namespace salix::host {
namespace {

constexpr size_t kBarWidth = 40;

std::string human_bytes(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double v = static_cast<double>(bytes);
  size_t u = 0;
  while (v >= 1024.0 && u + 1 < std::size(kUnits)) {
    v /= 1024.0;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.2f} {}", v, kUnits[u]);
}

// 3 significant figures in the largest unit that keeps the value >= 1.
std::string human_ns(double ns) {
  if (ns < 1e3) return fmt::format("{:.0f} ns", ns);
  if (ns < 1e6) return fmt::format("{:.3g} us", ns / 1e3);
  if (ns < 1e9) return fmt::format("{:.3g} ms", ns / 1e6);
  return fmt::format("{:.3g} s", ns / 1e9);
}

std::string bucket_label(size_t i) {
  uint64_t lo = LatenessCounters::bucket_low_ns(i);
  uint64_t hi = LatenessCounters::bucket_high_ns(i);
  if (i == 0) return fmt::format("< {}", human_ns(static_cast<double>(hi)));
  if (hi == UINT64_MAX) return fmt::format(">= {}", human_ns(static_cast<double>(lo)));
  return fmt::format("{} - {}", human_ns(static_cast<double>(lo)),
                     human_ns(static_cast<double>(hi)));
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", c);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// "N pages" plus their size when the page size is known.
std::string pages(uint64_t n, uint32_t page_size) {
  if (page_size == 0) return fmt::format("{} pages", n);
  return fmt::format("{} pages ({})", n, human_bytes(n * page_size));
}

void append_media_text(const MediaCounters& m, std::string& out) {
  auto it = std::back_inserter(out);
  if (m.flash_page_size) fmt::format_to(it, "  page size   {} B\n", m.flash_page_size);
  fmt::format_to(it, "  writes      host {}, NAND {}: WAF {:.3f}\n",
                 pages(m.host_pages_written, m.flash_page_size),
                 pages(m.nand_pages_written, m.flash_page_size), m.waf);
  fmt::format_to(it, "  NAND reads  {}\n", pages(m.nand_pages_read, m.flash_page_size));
  fmt::format_to(it, "  GC          {} runs, {} pages moved{}\n", m.gc_runs,
                 m.gc_pages_moved, m.gc_active ? " (collecting now)" : "");
  std::string rated = "rated P/E cycles unknown";
  if (m.rated_pe_cycles) {
    rated = fmt::format("rated {} P/E cycles ({:.1f}% used)", m.rated_pe_cycles,
                        m.erase_count_avg * 100.0 / m.rated_pe_cycles);
  }
  fmt::format_to(it, "  erases      {} total; per block min {} / avg {:.2f} / max {}; {}\n",
                 m.erases, m.erase_count_min, m.erase_count_avg, m.erase_count_max, rated);
  fmt::format_to(it, "  blocks      {} free of {}, {} spare\n", m.free_blocks,
                 m.total_blocks, m.spare_blocks);
  fmt::format_to(it, "  metadata    {}\n",
                 m.metadata_bytes ? fmt::format("{} in controller DRAM",
                                                human_bytes(m.metadata_bytes))
                                  : std::string("unknown"));
}

void append_lateness_text(const LatenessCounters& l, std::string& out) {
  auto it = std::back_inserter(out);
  if (l.samples == 0) {
    fmt::format_to(it, "  no completions posted yet\n");
    return;
  }
  fmt::format_to(it, "  {} completions, mean {}, p50 ~{}, p99 ~{}, max {}\n", l.samples,
                 human_ns(l.mean_ns()), human_ns(l.quantile_ns(0.50)),
                 human_ns(l.quantile_ns(0.99)), human_ns(static_cast<double>(l.max_ns)));
  uint64_t peak = *std::max_element(l.histogram.begin(), l.histogram.end());
  for (size_t i = 0; i < l.histogram.size(); i++) {
    uint64_t n = l.histogram[i];
    if (n == 0) continue;
    // Every non-empty bucket shows at least one mark.
    size_t width = std::max<size_t>(1, static_cast<size_t>(n * kBarWidth / peak));
    fmt::format_to(it, "  {:>17} |{:<{}}| {}\n", bucket_label(i), std::string(width, '#'),
                   kBarWidth, n);
  }
}

}  // namespace

std::string format_stats_text(const SalixStats& s, std::string_view device) {
  std::string out;
  auto it = std::back_inserter(out);
  fmt::format_to(it, "{}: Salix statistics (personality {})\n", device,
                 s.personality.empty() ? "?" : s.personality);
  fmt::format_to(it, "host\n");
  fmt::format_to(it, "  reads       {} commands, {}\n", s.host_read_commands,
                 human_bytes(s.host_bytes_read));
  fmt::format_to(it, "  writes      {} commands, {}\n", s.host_write_commands,
                 human_bytes(s.host_bytes_written));
  fmt::format_to(it, "media\n");
  if (s.media) {
    append_media_text(*s.media, out);
  } else {
    fmt::format_to(it, "  not modelled by the {} personality\n", s.personality);
  }
  fmt::format_to(it, "completion lateness (posted - due)\n");
  append_lateness_text(s.lateness, out);
  return out;
}

std::string format_stats_json(const SalixStats& s, std::string_view device) {
  std::string out;
  auto it = std::back_inserter(out);
  fmt::format_to(it,
                 "{{\"device\": {}, \"version\": {}, \"personality\": {}, "
                 "\"host_read_commands\": {}, \"host_write_commands\": {}, "
                 "\"host_bytes_read\": {}, \"host_bytes_written\": {}, ",
                 json_string(device), s.version, json_string(s.personality),
                 s.host_read_commands, s.host_write_commands, s.host_bytes_read,
                 s.host_bytes_written);
  if (s.media) {
    const MediaCounters& m = *s.media;
    fmt::format_to(it,
                   "\"media\": {{\"flash_page_size\": {}, \"waf\": {:.3f}, "
                   "\"host_pages_written\": {}, \"nand_pages_written\": {}, "
                   "\"nand_pages_read\": {}, \"gc_runs\": {}, \"gc_pages_moved\": {}, "
                   "\"gc_active\": {}, \"erases\": {}, \"erase_count_min\": {}, "
                   "\"erase_count_avg\": {:.3f}, \"erase_count_max\": {}, "
                   "\"rated_pe_cycles\": {}, \"free_blocks\": {}, \"total_blocks\": {}, "
                   "\"spare_blocks\": {}, \"metadata_bytes\": {}}}, ",
                   m.flash_page_size, m.waf, m.host_pages_written, m.nand_pages_written,
                   m.nand_pages_read, m.gc_runs, m.gc_pages_moved, m.gc_active, m.erases,
                   m.erase_count_min, m.erase_count_avg, m.erase_count_max,
                   m.rated_pe_cycles, m.free_blocks, m.total_blocks, m.spare_blocks,
                   m.metadata_bytes);
  } else {
    fmt::format_to(it, "\"media\": null, ");
  }
  const LatenessCounters& l = s.lateness;
  fmt::format_to(it,
                 "\"lateness\": {{\"samples\": {}, \"sum_ns\": {}, \"mean_ns\": {:.1f}, "
                 "\"p50_ns\": {:.0f}, \"p99_ns\": {:.0f}, \"max_ns\": {}, "
                 "\"histogram\": [",
                 l.samples, l.sum_ns, l.mean_ns(), l.quantile_ns(0.50),
                 l.quantile_ns(0.99), l.max_ns);
  bool first = true;
  for (size_t i = 0; i < l.histogram.size(); i++) {
    if (l.histogram[i] == 0) continue;
    uint64_t hi = LatenessCounters::bucket_high_ns(i);
    fmt::format_to(it, "{}{{\"low_ns\": {}, \"high_ns\": {}, \"count\": {}}}",
                   first ? "" : ", ", LatenessCounters::bucket_low_ns(i),
                   hi == UINT64_MAX ? std::string("null") : fmt::format("{}", hi),
                   l.histogram[i]);
    first = false;
  }
  fmt::format_to(it, "]}}}}\n");
  return out;
}

}  // namespace salix::host
