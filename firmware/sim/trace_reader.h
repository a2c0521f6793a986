// trace_reader.h - block traces in the MSR Cambridge / SNIA IOTTA CSV form:
//
//   Timestamp,Hostname,DiskNumber,Type,Offset,Size,ResponseTime
//   128166372003061629,hm,1,Read,3154152960,32768,1476
//
// Timestamp is in Windows filetime ticks (100 ns), Type is Read or Write
// (any case), Offset and Size are bytes, ResponseTime is in ticks (kept but
// unused: the simulator measures its own). A first line starting with
// "Timestamp" is taken as a header; blank lines are skipped. Anything else
// that does not parse stops the reader with "<file>:<line>: <reason>".
//
// Thread-safety: not synchronized. Ownership: owns its FILE.
#ifndef SALIX_SIM_TRACE_READER_H
#define SALIX_SIM_TRACE_READER_H

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

namespace salix::sim {

struct TraceRecord {
  uint64_t timestamp = 0;  // 100 ns ticks
  uint32_t disk = 0;
  bool write = false;
  uint64_t offset = 0;  // bytes
  uint64_t size = 0;    // bytes, >= 1
  uint64_t response_time = 0;
};

// One data line (no trailing newline). The error says what is wrong, without
// the location.
Result<TraceRecord, std::string> ParseTraceLine(std::string_view line);

class TraceReader {
 public:
  // Error: the file cannot be opened (with the reason).
  static Result<std::unique_ptr<TraceReader>, std::string> Open(
      const std::string& path);
  // Reads from text; name stands in for the file name in messages (tests).
  static std::unique_ptr<TraceReader> FromString(std::string text,
                                                 std::string name);
  ~TraceReader();
  TraceReader(const TraceReader&) = delete;
  TraceReader& operator=(const TraceReader&) = delete;

  // The next record; false at the end of the input or at the first bad
  // line (then error() is set).
  bool Next(TraceRecord* record);
  const std::string& error() const { return error_; }
  const std::string& name() const { return name_; }
  // Line number of the last line read (1-based).
  uint64_t line() const { return line_; }

 private:
  TraceReader(std::FILE* file, std::string name, std::string text);

  std::FILE* file_;
  std::string name_;
  std::string text_;  // backing store of a FromString reader
  char* buf_ = nullptr;
  size_t cap_ = 0;
  uint64_t line_ = 0;
  std::string error_;
};

}  // namespace salix::sim

#endif  // SALIX_SIM_TRACE_READER_H
