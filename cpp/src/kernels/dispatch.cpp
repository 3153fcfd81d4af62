#include "kernels/dispatch.hpp"

#include <cstdlib>

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#include <cpuid.h>
#endif

#include "pixelpact/pixelpact.hpp"

namespace pixelpact::detail {
namespace {

struct Candidate {
  const char* name;
  const kernels::KernelTable* table;  // nullptr: not compiled into this build
  bool (*cpu_runs)();
  bool emulated = false;  // compiled against SIMDe (a PIXELPACT_EMULATE_AVX512 test build)
};

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
// F16C (float16 conversions) comes with every AVX2 CPU, but a hypervisor may hide
// it: both levels are compiled with -mf16c, so both require it. Read from CPUID
// leaf 1 (ECX bit 29): clang's __builtin_cpu_supports does not know "f16c".
bool cpu_has_f16c() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  return __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C) != 0;
}
bool cpu_has_avx2() { return __builtin_cpu_supports("avx2") && cpu_has_f16c(); }
[[maybe_unused]] bool cpu_has_avx512() {  // unused by emulation builds
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
         cpu_has_avx2();
}
#else
bool cpu_has_avx2() { return false; }
[[maybe_unused]] bool cpu_has_avx512() { return false; }
#endif
bool always() { return true; }

// Best first.
const Candidate kCandidates[] = {
#if defined(PIXELPACT_HAVE_AVX512) && defined(PIXELPACT_EMULATE_AVX512)
    {"avx512", &kernels::avx512::table, always, true},  // portable code: any CPU runs it
#elif defined(PIXELPACT_HAVE_AVX512)
    {"avx512", &kernels::avx512::table, cpu_has_avx512},
#else
    {"avx512", nullptr, cpu_has_avx512},
#endif
#if defined(PIXELPACT_HAVE_AVX2)
    {"avx2", &kernels::avx2::table, cpu_has_avx2},
#else
    {"avx2", nullptr, cpu_has_avx2},
#endif
#if defined(PIXELPACT_HAVE_NEON)
    {"neon", &kernels::neon::table, always},
#else
    {"neon", nullptr, always},
#endif
    {"reference", &kernels::reference::table, always},
};

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

std::vector<std::string> supported_isas() {
  std::vector<std::string> out;
  for (const auto& c : kCandidates) {
    if (c.table && c.cpu_runs()) out.emplace_back(c.name);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> kernel_report(const kernels::KernelTable& t) {
  const kernels::KernelTable& r = kernels::reference::table;
  bool emulated = false;
  for (const auto& c : kCandidates) emulated |= c.table == &t && c.emulated;
  const std::string own = std::string(t.name) + (emulated ? " (emulated)" : "");
  std::vector<std::pair<std::string, std::string>> report;
#define PIXELPACT_KERNEL(kernel, result, parameters) \
  report.emplace_back(#kernel, t.kernel == r.kernel ? std::string("reference") : own);
#include "kernels/kernel_list.def"
#undef PIXELPACT_KERNEL
  return report;
}

const kernels::KernelTable& select_kernels(std::string_view requested) {
  std::string source = "isa";
  std::string name(requested);
  if (name.empty() || name == "auto") {
    name.clear();
    const char* env = std::getenv("PIXELPACT_FORCE_ISA");
    if (env && *env) {
      name = env;
      source = "PIXELPACT_FORCE_ISA";
    }
  }
  if (name.empty() || name == "auto") {
    for (const auto& c : kCandidates) {
      if (c.table && c.cpu_runs()) return *c.table;
    }
  }
  for (const auto& c : kCandidates) {
    if (name != c.name) continue;
    if (!c.table) {
      throw Error(ErrorCode::Unsupported, "",
                  source + "=" + name + ": this build of pixelpact has no " + name +
                      " kernels (available: " + joined(supported_isas()) + ")");
    }
    if (!c.cpu_runs()) {
      throw Error(ErrorCode::Unsupported, "",
                  source + "=" + name + ": this CPU does not support " + name +
                      " (available: " + joined(supported_isas()) + ")");
    }
    return *c.table;
  }
  throw Error(ErrorCode::Unsupported, "",
              source + "=" + name + ": unknown instruction set (choose auto, avx512, avx2, neon or reference)");
}

}  // namespace pixelpact::detail
