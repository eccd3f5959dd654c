// The car a rider gets into: its colour (one of the server's colour codes, named in the
// rider's language), plate number and name, as one short line for booking cards.
import { t, tf } from "./i18n.js";
import { esc } from "./api.js";

export const COLOURS = ["white", "black", "silver", "grey", "blue", "navy", "red", "green", "yellow", "orange", "brown", "beige", "pink", "purple"];

// The colour's name in the chosen language ("" when none is set).
export function colourName(code) {
  return COLOURS.includes(code) ? t(`car.colour.${code}`) : code || "";
}

// "白 · 土浦 500 あ 10-01 · 神栖市役所 1号車", or "" when the booking has no car yet.
export function carText(b) {
  if (!b || !b.vehicle_id) return "";
  return [b.vehicle_colour ? tf("car.colour.car", { c: colourName(b.vehicle_colour) }) : "", b.vehicle_plate, b.vehicle_name]
    .filter(Boolean).join(" · ");
}

// A paragraph naming the car for a booking card (empty when no car is assigned yet).
export function carHtml(b) {
  const text = carText(b);
  return text ? `<p class="car"><strong>${esc(t("car.label"))}</strong> ${esc(text)}</p>` : "";
}
