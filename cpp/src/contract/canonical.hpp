// The canonical form of a contract: one JSON text per meaning, written from the
// parsed Contract (so it states exactly what the core executes), and hashed into
// the contract's fingerprint.
//
// Rules (contract format version 1):
// - Only what can change a tensor byte: "name" and "description" are left out.
// - Every default is written out ("keep_ratio", "version", "antialias", "rule",
//   "fill", "alpha", ...); sizes of crops and letterboxes are [height, width];
//   "padding" is [left, top, right, bottom]; object keys are sorted; no
//   whitespace.
// - Spellings with one meaning are written one way: "normalize" and a "sub"
//   followed by a "div" in the same dtype are both written "normalize"; Pillow
//   version "12" and "12.3" are "12.2"; a per-channel value or fill whose three
//   entries are equal is one number.
// - A field the arithmetic ignores takes its default: "antialias" of torch's
//   nearest modes (true), "version" of Pillow's nearest ("13") and of OpenCV
//   modes other than nearest-exact ("5"), "stride" of a letterbox without
//   "auto" (32).
// - Numbers: integers as integers; an arithmetic value in the shortest form that
//   reads back as the same value in the step's dtype (float32 steps: the float32
//   the value rounds to, so 0.485 and 0.48500001 coincide; a float32 overflow is
//   written 1e39), other numbers in the shortest form that reads back as the same
//   double; negative zero is -0.0.
// - Casts are written only where they change a value or the dtype of later
//   arithmetic: casts before any arithmetic fold into to_float's dtype, a run of
//   casts becomes at most one rounding to float32 and one change of dtype, and
//   casts after the last arithmetic step are dropped (the output is rounded
//   through float32 anyway). A float resize is followed directly by its center
//   crops.
// - "input"."decode" is written only when it differs from its defaults
//   ({"orientation": "exif"}, {"decoder": "tensorflow"}): fingerprints of contracts that decode nothing
//   differently stay those of contracts without the section.
// Contracts equal only by algebra (two crops and one, a multiplication by 1) get
// different canonical forms.
#pragma once

#include <string>

#include "contract/contract.hpp"

namespace pixelpact::detail {

std::string canonical_json(const Contract& contract);

}  // namespace pixelpact::detail
