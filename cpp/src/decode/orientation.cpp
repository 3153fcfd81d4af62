// Where Pillow 13 finds the orientation exif_transpose uses:
// - JPEG (JpegImagePlugin): the first APP1 segment starting "Exif\0\0" (before
//   the first scan); XMP: the last APP1 starting "http://ns.adobe.com/xap/1.0/\0".
// - PNG (PngImagePlugin): the eXIf chunk (anywhere: getexif() loads the file),
//   else a "Raw profile type exif" text chunk (hex after three header lines);
//   XMP: the iTXt "XML:com.adobe.xmp".
// - Image.getexif(): the Orientation entry of IFD0 (any integer type, count 1);
//   if absent, the first match of tiff:Orientation(="|>)([0-9]) in the XMP text.
// - exif_transpose: values 2..8 transpose; anything else leaves the image.
#include "decode/orientation.hpp"

#include <cstring>
#include <string_view>
#include <vector>

namespace pixelpact::detail {
namespace {

struct Bytes {
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;
};

std::uint32_t be16(const std::uint8_t* p) { return (std::uint32_t{p[0]} << 8) | p[1]; }
std::uint32_t be32(const std::uint8_t* p) { return (be16(p) << 16) | be16(p + 2); }

bool starts_with(Bytes b, std::string_view prefix) {
  return b.size >= prefix.size() && std::memcmp(b.data, prefix.data(), prefix.size()) == 0;
}

// IFD0's Orientation of a TIFF-structured EXIF block; 0 when it has none, 99
// when it has one that is no single integer (exif_transpose then does nothing).
int tiff_orientation(Bytes tiff) {
  if (tiff.size < 8) return 0;
  const bool little = tiff.data[0] == 'I' && tiff.data[1] == 'I';
  if (!little && !(tiff.data[0] == 'M' && tiff.data[1] == 'M')) return 0;
  auto u16 = [&](std::size_t at) -> std::uint32_t {
    const std::uint8_t* p = tiff.data + at;
    return little ? p[0] | (std::uint32_t{p[1]} << 8) : be16(p);
  };
  auto u32 = [&](std::size_t at) -> std::uint32_t {
    return little ? u16(at) | (u16(at + 2) << 16) : (u16(at) << 16) | u16(at + 2);
  };
  if (u16(2) != 42) return 0;
  const std::size_t ifd = u32(4);
  if (ifd > tiff.size || tiff.size - ifd < 2) return 0;
  const std::size_t count = u16(ifd);
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t entry = ifd + 2 + 12 * i;
    if (entry + 12 > tiff.size) return 0;
    if (u16(entry) != 0x0112) continue;
    const std::uint32_t type = u16(entry + 2), n = u32(entry + 4);
    if (n != 1) return 99;
    switch (type) {
      case 1: return tiff.data[entry + 8];                                   // BYTE
      case 3: return static_cast<int>(u16(entry + 8));                       // SHORT
      case 4: return u32(entry + 8) <= 8 ? static_cast<int>(u32(entry + 8)) : 99;  // LONG
      case 8: return static_cast<std::int16_t>(u16(entry + 8));              // SSHORT
      case 9: return static_cast<int>(static_cast<std::int32_t>(u32(entry + 8)));  // SLONG
      default: return 99;
    }
  }
  return 0;
}

int xmp_orientation(Bytes xmp) {
  static constexpr std::string_view key = "tiff:Orientation";
  const std::string_view text(reinterpret_cast<const char*>(xmp.data), xmp.size);
  for (std::size_t at = text.find(key); at != std::string_view::npos; at = text.find(key, at + 1)) {
    std::size_t p = at + key.size();
    if (p + 2 <= text.size() && text[p] == '=' && text[p + 1] == '"') {
      p += 2;
    } else if (p < text.size() && text[p] == '>') {
      p += 1;
    } else {
      continue;
    }
    if (p < text.size() && text[p] >= '0' && text[p] <= '9') return text[p] - '0';
  }
  return 0;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// ImageMagick's "Raw profile type exif": "\nexif\n   <length>\n<hex lines>".
std::vector<std::uint8_t> raw_profile(Bytes text) {
  std::vector<std::uint8_t> out;
  std::size_t p = 0;
  for (int lines = 0; lines < 3 && p < text.size; ++p) {
    if (text.data[p] == '\n') ++lines;
  }
  int high = -1;
  for (; p < text.size; ++p) {
    const char c = static_cast<char>(text.data[p]);
    if (c == '\n' || c == ' ') continue;
    const int v = hex_value(c);
    if (v < 0) return {};
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(high * 16 + v));
      high = -1;
    }
  }
  return out;
}

struct Found {
  Bytes exif;  // TIFF data (after "Exif\0\0")
  Bytes xmp;
  std::vector<std::uint8_t> raw;
};

void jpeg_metadata(Bytes file, Found& found) {
  std::size_t p = 2;
  while (p + 4 <= file.size) {
    if (file.data[p] != 0xFF) return;
    const std::uint8_t marker = file.data[p + 1];
    if (marker == 0xFF) {  // fill byte
      ++p;
      continue;
    }
    if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
      p += 2;
      continue;
    }
    if (marker == 0xDA || marker == 0xD9) return;  // the first scan: Pillow stops reading markers
    const std::size_t length = be16(file.data + p + 2);
    if (length < 2 || p + 2 + length > file.size) return;
    const Bytes segment{file.data + p + 4, length - 2};
    if (marker == 0xE1) {
      if (starts_with(segment, std::string_view("Exif\0\0", 6))) {
        if (!found.exif.data) found.exif = {segment.data + 6, segment.size - 6};
      } else if (starts_with(segment, std::string_view("http://ns.adobe.com/xap/1.0/\0", 29))) {
        found.xmp = {segment.data + 29, segment.size - 29};
      }
    }
    p += 2 + length;
  }
}

void png_metadata(Bytes file, Found& found) {
  std::size_t p = 8;
  while (p + 12 <= file.size) {
    const std::size_t length = be32(file.data + p);
    if (length > file.size - p - 12) return;
    const std::string_view type(reinterpret_cast<const char*>(file.data + p + 4), 4);
    const Bytes chunk{file.data + p + 8, length};
    if (type == "eXIf") {
      found.exif = starts_with(chunk, std::string_view("Exif\0\0", 6)) ? Bytes{chunk.data + 6, chunk.size - 6} : chunk;
    } else if (type == "iTXt" && starts_with(chunk, std::string_view("XML:com.adobe.xmp\0", 18))) {
      // keyword\0, compression flag, method, language\0, translated keyword\0, text
      std::size_t q = 18;
      if (q + 2 <= chunk.size && chunk.data[q] == 0) {  // uncompressed only
        q += 2;
        for (int zeros = 0; q < chunk.size && zeros < 2; ++q) {
          if (chunk.data[q] == 0) ++zeros;
        }
        found.xmp = {chunk.data + q, chunk.size - q};
      }
    } else if (type == "tEXt" && starts_with(chunk, std::string_view("Raw profile type exif\0", 22))) {
      found.raw = raw_profile({chunk.data + 22, chunk.size - 22});
    } else if (type == "IEND") {
      return;
    }
    p += 12 + length;
  }
}

}  // namespace

int read_orientation(const std::uint8_t* data, std::size_t size, EncodedFormat format) noexcept {
  try {
    Found found;
    if (format == EncodedFormat::Jpeg) {
      jpeg_metadata({data, size}, found);
    } else {
      png_metadata({data, size}, found);
    }
    Bytes exif = found.exif;
    if (!exif.data && !found.raw.empty()) {
      exif = {found.raw.data(), found.raw.size()};
      if (starts_with(exif, std::string_view("Exif\0\0", 6))) exif = {exif.data + 6, exif.size - 6};
    }
    int value = exif.data ? tiff_orientation(exif) : 0;
    if (value == 0 && found.xmp.data) value = xmp_orientation(found.xmp);
    return value >= 2 && value <= 8 ? value : 1;
  } catch (...) {
    return 1;  // out of memory copying a raw profile: as if absent
  }
}

}  // namespace pixelpact::detail
