#include "engines/registry.hpp"

namespace pixelpact::detail {

// The engines, one line each; each folder defines its <name>_engine(). Every
// line ends in a backslash, so that adding an engine is adding one line.
#define PIXELPACT_ENGINES(X) \
  X(pillow)                  \
  X(torch)                   \
  X(opencv)                  \
  X(tensorflow)              \
  /* end of the list */

#define PIXELPACT_DECLARE_ENGINE(name) const ResizeEngine& name##_engine();
PIXELPACT_ENGINES(PIXELPACT_DECLARE_ENGINE)
#undef PIXELPACT_DECLARE_ENGINE

const std::vector<const ResizeEngine*>& engines() {
  static const std::vector<const ResizeEngine*> all = {
#define PIXELPACT_LIST_ENGINE(name) &name##_engine(),
      PIXELPACT_ENGINES(PIXELPACT_LIST_ENGINE)
#undef PIXELPACT_LIST_ENGINE
  };
  return all;
}

const ResizeEngine* find_engine(std::string_view name) {
  for (const ResizeEngine* e : engines())
    if (e->name() == name) return e;
  return nullptr;
}

}  // namespace pixelpact::detail
