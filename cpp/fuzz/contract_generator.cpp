#include "contract_generator.hpp"

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace pixelpact::fuzz {

namespace {

template <std::size_t N>
const char* pick_of(FuzzBytes& f, const char* const (&names)[N]) {
  return names[f.pick(static_cast<int>(N))];
}

std::string quoted(const char* s) { return std::string("\"") + s + "\""; }
std::string num(std::int64_t v) { return std::to_string(v); }

// A finite number: mostly a familiar constant, sometimes any finite double.
std::string number(FuzzBytes& f, bool nonzero) {
  static const double kValues[] = {0.5, 255, 0.00392156862745098, 0.485, 0.229, -1, 127.5, 1e-6, 3, 1e30, -0.0};
  double v = kValues[f.pick(sizeof kValues / sizeof kValues[0])];
  if (f.range(0, 7) == 0) v = f.raw_double();
  if (!std::isfinite(v)) v = 2;
  if (nonzero && v == 0) v = 7;
  char text[40];
  std::snprintf(text, sizeof text, "%.17g", v);
  return text;
}

std::string per_channel(FuzzBytes& f, bool nonzero) {
  switch (f.pick(3)) {
    case 0: return number(f, nonzero);
    case 1: return "[" + number(f, nonzero) + "]";
    default: return "[" + number(f, nonzero) + ", " + number(f, nonzero) + ", " + number(f, nonzero) + "]";
  }
}

std::string fill(FuzzBytes& f, bool gray) {
  const std::int64_t a = f.range(0, 255);
  switch (f.pick(3)) {
    case 0: return num(a);
    case 1: return "[" + num(a) + "]";
    default:  // a GRAY input takes three equal values only
      return "[" + num(a) + ", " + num(gray ? a : f.range(0, 255)) + ", " + num(gray ? a : f.range(0, 255)) + "]";
  }
}

std::string optional_fill(FuzzBytes& f, bool gray) { return f.flag() ? ", \"fill\": " + fill(f, gray) : ""; }

std::string side(FuzzBytes& f) { return num(f.range(1, 48)); }

std::string size(FuzzBytes& f, bool* pair) {
  *pair = f.flag();
  return *pair ? "[" + side(f) + ", " + side(f) + "]" : side(f);
}

std::string resize(FuzzBytes& f, bool after_float) {
  static const char* const kPillow[] = {"nearest", "box", "bilinear", "hamming", "bicubic", "lanczos"};
  static const char* const kTorch[] = {"nearest", "nearest-exact", "bilinear", "bicubic", "lanczos"};
  static const char* const kOpencv[] = {"nearest", "nearest-exact", "bilinear", "bilinear-exact",
                                        "bicubic", "area", "lanczos4"};
  const int engine = after_float ? 1 : f.pick(3);
  std::string s = "{\"op\": \"resize\", \"engine\": ";
  std::string interpolation;
  if (engine == 0) {
    interpolation = pick_of(f, kPillow);
    s += "\"pillow\"";
    if (f.flag()) {
      static const char* const kVersions[] = {"12", "12.1", "12.2", "12.3", "13"};
      s += ", \"version\": " + quoted(pick_of(f, kVersions));
    }
  } else if (engine == 1) {
    // torch's uint8 resize has no 'area' (adaptive pooling is its float resize),
    // its float resize only bilinear, bicubic and area.
    static const char* const kTorchFloat[] = {"bilinear", "bicubic", "area"};
    interpolation = after_float ? pick_of(f, kTorchFloat) : kTorch[f.pick(5)];
    s += "\"torch\"";
    if (interpolation == "lanczos") s += ", \"antialias\": true";
    else if (interpolation != "area" && f.flag()) s += std::string(", \"antialias\": ") + (f.flag() ? "true" : "false");
  } else {
    interpolation = pick_of(f, kOpencv);
    s += "\"opencv\"";
    if (f.flag()) s += std::string(", \"version\": ") + (f.flag() ? "\"4\"" : "\"5\"");
  }
  s += ", \"interpolation\": " + quoted(interpolation.c_str());
  if (engine == 2 && f.range(0, 3) == 0) {  // cv2's fx/fy
    static const double kScales[] = {0.5, 0.25, 0.3, 1.5, 2, 0.75, 0.1, 3.3};
    char text[64];
    const double sy = kScales[f.pick(8)], sx = kScales[f.pick(8)];
    if (f.flag()) std::snprintf(text, sizeof text, ", \"scale\": %.17g", sy);
    else std::snprintf(text, sizeof text, ", \"scale\": [%.17g, %.17g]", sy, sx);
    return s + text + "}";
  }
  bool pair = false;
  s += ", \"size\": " + size(f, &pair);
  if (f.flag()) {
    static const char* const kSingle[] = {"shorter", "longer"};
    static const char* const kPair[] = {"not_smaller", "not_larger"};
    const char* rule = pair ? pick_of(f, kPair) : pick_of(f, kSingle);
    s += ", \"keep_ratio\": " + quoted(rule);
  }
  if (f.range(0, 3) == 0) s += ", \"max_size\": " + num(f.range(1, 64));
  return s + "}";
}

std::string center_crop(FuzzBytes& f, bool gray, bool after_float_resize) {
  bool pair = false;
  std::string s = "{\"op\": \"center_crop\", \"size\": " + size(f, &pair);
  if (after_float_resize) return s + (f.flag() ? ", \"rule\": \"torchvision\"}" : "}");
  if (f.flag()) {
    static const char* const kRules[] = {"torchvision", "hf_pil", "hf_torchvision"};
    s += ", \"rule\": " + quoted(pick_of(f, kRules));
  }
  return s + optional_fill(f, gray) + "}";
}

std::string geometry_step(FuzzBytes& f, bool gray, bool premultiplied) {
  switch (f.pick(premultiplied ? 3 : 5)) {  // premultiplied alpha: pillow resizes and crops only
    case 0: {
      if (premultiplied) {
        static const char* const kPillow[] = {"nearest", "box", "bilinear", "hamming", "bicubic", "lanczos"};
        bool pair = false;
        return "{\"op\": \"resize\", \"engine\": \"pillow\", \"interpolation\": " + quoted(pick_of(f, kPillow)) +
               ", \"size\": " + size(f, &pair) + "}";
      }
      return resize(f, false);
    }
    case 1: return center_crop(f, gray, false);
    case 2:
      return "{\"op\": \"crop\", \"top\": " + num(f.range(-12, 40)) + ", \"left\": " + num(f.range(-12, 40)) +
             ", \"height\": " + side(f) + ", \"width\": " + side(f) + optional_fill(f, gray) + "}";
    case 3: {
      std::string padding;
      switch (f.pick(4)) {
        case 0: padding = num(f.range(0, 6)); break;
        case 1: padding = "[" + num(f.range(0, 6)) + "]"; break;
        case 2: padding = "[" + num(f.range(0, 6)) + ", " + num(f.range(0, 6)) + "]"; break;
        default:
          padding = "[" + num(f.range(0, 6)) + ", " + num(f.range(0, 6)) + ", " + num(f.range(0, 6)) + ", " +
                    num(f.range(0, 6)) + "]";
      }
      return "{\"op\": \"pad\", \"padding\": " + padding + optional_fill(f, gray) + "}";
    }
    default: {
      bool pair = false;
      std::string s = "{\"op\": \"letterbox\", \"size\": " + size(f, &pair);
      const int rule = f.pick(4);  // 3: rule omitted (ultralytics)
      if (rule == 1) return s + ", \"rule\": \"blob\"" + optional_fill(f, gray) + "}";
      if (rule == 2) return s + ", \"rule\": \"blob_crop\"}";
      if (rule == 0) s += ", \"rule\": \"ultralytics\"";
      s += optional_fill(f, gray);
      if (f.flag()) s += std::string(", \"auto\": ") + (f.flag() ? "true" : "false");
      if (f.flag()) s += ", \"stride\": " + num(f.range(1, 40));
      if (f.flag()) s += std::string(", \"scaleup\": ") + (f.flag() ? "true" : "false");
      if (f.flag()) s += std::string(", \"center\": ") + (f.flag() ? "true" : "false");
      const bool pillow = f.flag();  // else opencv, named or by default
      if (pillow || f.flag()) s += std::string(", \"engine\": ") + (pillow ? "\"pillow\"" : "\"opencv\"");
      if (f.flag()) {  // cv2 offers three of Pillow's names
        static const char* const kPillow[] = {"nearest", "box", "bilinear", "hamming", "bicubic", "lanczos"};
        static const char* const kOpencv[] = {"nearest", "bilinear", "bicubic"};
        s += ", \"interpolation\": " + quoted(pillow ? pick_of(f, kPillow) : pick_of(f, kOpencv));
      }
      return s + "}";
    }
  }
}

std::string arithmetic(FuzzBytes& f, bool* float64) {
  switch (f.pick(6)) {
    case 0: return "{\"op\": \"add\", \"value\": " + per_channel(f, false) + "}";
    case 1: return "{\"op\": \"sub\", \"value\": " + per_channel(f, false) + "}";
    case 2: return "{\"op\": \"mul\", \"value\": " + per_channel(f, false) + "}";
    case 3: return "{\"op\": \"div\", \"value\": " + per_channel(f, true) + "}";
    case 4:
      return "{\"op\": \"normalize\", \"mean\": " + per_channel(f, false) + ", \"std\": " + per_channel(f, true) + "}";
    default:
      *float64 = f.flag();
      return std::string("{\"op\": \"cast\", \"dtype\": ") + (*float64 ? "\"float64\"}" : "\"float32\"}");
  }
}

}  // namespace

GeneratedContract generate_contract(FuzzBytes& f) {
  static const char* const kColors[] = {"RGB", "BGR", "RGBA", "BGRA", "GRAY"};
  static const char* const kLayouts[] = {"NCHW", "NHWC", "CHW", "HWC"};
  GeneratedContract g;
  const int color = f.pick(5);
  g.channels = color == 4 ? 1 : color >= 2 ? 4 : 3;
  const bool gray = color == 4;
  std::string input = std::string("{\"color\": ") + quoted(kColors[color]);
  bool premultiplied = false;
  if (g.channels == 4) {
    switch (f.pick(5)) {
      case 0: input += ", \"alpha\": \"drop\""; break;
      case 1: input += ", \"alpha\": \"premultiply\""; premultiplied = true; break;
      case 2: input += ", \"alpha\": \"composite\""; break;
      case 3:
        input += ", \"alpha\": \"composite\", \"background\": [" + num(f.range(0, 255)) + ", " +
                 num(f.range(0, 255)) + ", " + num(f.range(0, 255)) + "]";
        break;
      default: break;
    }
  }
  input += "}";

  std::vector<std::string> steps;
  const int geometry = static_cast<int>(f.range(0, 3));
  for (int i = 0; i < geometry; ++i) steps.push_back(geometry_step(f, gray, premultiplied));
  const bool to_float = f.range(0, 2) != 0;
  if (to_float) {
    bool float64 = f.range(0, 3) == 0;
    steps.push_back(std::string("{\"op\": \"to_float\", \"dtype\": ") + (float64 ? "\"float64\"}" : "\"float32\"}"));
    bool resized = false;
    const int ops = static_cast<int>(f.range(0, 4));
    for (int i = 0; i < ops; ++i) {
      const int kind = f.pick(5);
      if (kind == 0 && !resized && !float64) {
        steps.push_back(resize(f, true));
        resized = true;
      } else if (kind == 1 && resized) {
        steps.push_back(center_crop(f, gray, true));
      } else {
        steps.push_back(arithmetic(f, &float64));
      }
    }
  }
  static const char* const kFloatDtypes[] = {"float32", "float16"};
  static const char* const kDtypes[] = {"float32", "float16", "uint8"};
  const char* dtype = to_float ? pick_of(f, kFloatDtypes) : pick_of(f, kDtypes);
  g.json = "{\"pixelpact\": 1, \"input\": " + input + ", \"steps\": [";
  for (std::size_t i = 0; i < steps.size(); ++i) g.json += (i ? ", " : "") + steps[i];
  g.json += "], \"output\": {\"layout\": " + quoted(pick_of(f, kLayouts)) + ", \"dtype\": " + quoted(dtype) +
            ", \"color\": " + (f.flag() ? "\"RGB\"" : "\"BGR\"") + "}}";
  return g;
}

}  // namespace pixelpact::fuzz
