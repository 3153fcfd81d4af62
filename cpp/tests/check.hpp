// A minimal test harness: CHECK records failures and keeps going; main returns
// the failure count so ctest reports it.
#pragma once

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace check {

inline int& failures() {
  static int n = 0;
  return n;
}

struct Case {
  const char* name;
  std::function<void()> fn;
};

inline std::vector<Case>& cases() {
  static std::vector<Case> all;
  return all;
}

struct Register {
  Register(const char* name, std::function<void()> fn) { cases().push_back({name, std::move(fn)}); }
};

inline int run_all() {
  for (const auto& c : cases()) {
    int before = failures();
    try {
      c.fn();
    } catch (const std::exception& e) {
      std::printf("  unexpected exception: %s\n", e.what());
      ++failures();
    }
    std::printf("%s %s\n", failures() == before ? "ok  " : "FAIL", c.name);
  }
  std::printf("%zu cases, %d failed checks\n", cases().size(), failures());
  return failures() == 0 ? 0 : 1;
}

}  // namespace check

#define CHECK_CAT2(a, b) a##b
#define CHECK_CAT(a, b) CHECK_CAT2(a, b)
#define TEST_CASE(name)                                                  \
  static void CHECK_CAT(test_fn_, __LINE__)();                           \
  static check::Register CHECK_CAT(test_reg_, __LINE__)(name, CHECK_CAT(test_fn_, __LINE__)); \
  static void CHECK_CAT(test_fn_, __LINE__)()

#define CHECK(cond)                                                         \
  do {                                                                      \
    if (!(cond)) {                                                          \
      std::printf("  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
      ++check::failures();                                                  \
    }                                                                       \
  } while (0)

// Runs `expr`, which must throw pixelpact::Error with this code (and path).
#define CHECK_THROWS_CODE(expr, expected_code, expected_path)                        \
  do {                                                                               \
    bool thrown_ = false;                                                            \
    try {                                                                            \
      (void)(expr);                                                                  \
    } catch (const pixelpact::Error& e_) {                                           \
      thrown_ = true;                                                                \
      if (e_.code() != (expected_code) || e_.path() != std::string(expected_path)) { \
        std::printf("  %s:%d: wrong error: [%s] %s\n", __FILE__, __LINE__,          \
                    e_.path().c_str(), e_.what());                                   \
        ++check::failures();                                                         \
      }                                                                              \
    }                                                                                \
    if (!thrown_) {                                                                  \
      std::printf("  %s:%d: %s did not throw\n", __FILE__, __LINE__, #expr);        \
      ++check::failures();                                                           \
    }                                                                                \
  } while (0)
