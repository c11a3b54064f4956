#include "server/convert.h"

namespace persona::server {

rec::ItemRecord ToRecord(const v1::Item& item, int64_t now_ms) {
  rec::ItemRecord r;
  r.set_id(item.id());
  r.set_title(item.title());
  r.mutable_category_path()->CopyFrom(item.category_path());
  r.set_brand(item.brand());
  r.set_price(item.price());
  r.set_currency(item.currency());
  r.set_availability(item.availability() == v1::AVAILABILITY_UNSPECIFIED ? v1::IN_STOCK
                                                                         : item.availability());
  r.set_stock(item.stock());
  r.mutable_tags()->CopyFrom(item.tags());
  r.set_url(item.url());
  r.set_image_url(item.image_url());
  r.set_created_time_ms(item.created_time_ms() > 0 ? item.created_time_ms() : now_ms);
  r.mutable_attributes()->insert(item.attributes().begin(), item.attributes().end());
  r.set_updated_time_ms(now_ms);
  return r;
}

v1::Item FromRecord(const rec::ItemRecord& r) {
  v1::Item item;
  item.set_id(r.id());
  item.set_title(r.title());
  item.mutable_category_path()->CopyFrom(r.category_path());
  item.set_brand(r.brand());
  item.set_price(r.price());
  item.set_currency(r.currency());
  item.set_availability(static_cast<v1::Availability>(r.availability()));
  item.set_stock(r.stock());
  item.mutable_tags()->CopyFrom(r.tags());
  item.set_url(r.url());
  item.set_image_url(r.image_url());
  item.set_created_time_ms(r.created_time_ms());
  item.mutable_attributes()->insert(r.attributes().begin(), r.attributes().end());
  return item;
}

model::ItemInfo ToItemInfo(const rec::ItemRecord& r) {
  model::ItemInfo info;
  info.id = r.id();
  info.category_path.assign(r.category_path().begin(), r.category_path().end());
  info.brand = r.brand();
  info.price = r.price();
  info.availability = static_cast<model::Availability>(r.availability());
  info.created_time_ms = r.created_time_ms();
  info.stock = r.stock();
  info.tags.assign(r.tags().begin(), r.tags().end());
  info.attributes.reserve(r.attributes().size());
  for (const auto& [key, value] : r.attributes()) info.attributes.emplace_back(key, value);
  return info;
}

rec::CustomerRecord ToRecord(const v1::Customer& c, int64_t now_ms) {
  rec::CustomerRecord r;
  r.set_id(c.id());
  r.set_first_name(c.first_name());
  r.set_last_name(c.last_name());
  r.set_email(c.email());
  r.set_locale(c.locale());
  r.set_country(c.country());
  r.set_city(c.city());
  r.set_birth_year(c.birth_year());
  r.set_gender(c.gender());
  if (c.consents().has_personalization()) {
    r.set_consent_personalization(c.consents().personalization());
  }
  if (c.consents().has_email_marketing()) {
    r.set_consent_email_marketing(c.consents().email_marketing());
  }
  r.set_consents_updated_time_ms(c.consents().updated_time_ms() > 0 ? c.consents().updated_time_ms()
                                                                    : now_ms);
  r.mutable_preferred_categories()->CopyFrom(c.preferences().categories());
  r.mutable_preferred_brands()->CopyFrom(c.preferences().brands());
  r.mutable_attributes()->insert(c.attributes().begin(), c.attributes().end());
  r.set_created_time_ms(c.created_time_ms() > 0 ? c.created_time_ms() : now_ms);
  r.set_updated_time_ms(now_ms);
  return r;
}

v1::Customer FromRecord(const rec::CustomerRecord& r) {
  v1::Customer c;
  c.set_id(r.id());
  c.set_first_name(r.first_name());
  c.set_last_name(r.last_name());
  c.set_email(r.email());
  c.set_locale(r.locale());
  c.set_country(r.country());
  c.set_city(r.city());
  c.set_birth_year(r.birth_year());
  c.set_gender(r.gender());
  if (r.has_consent_personalization()) {
    c.mutable_consents()->set_personalization(r.consent_personalization());
  }
  if (r.has_consent_email_marketing()) {
    c.mutable_consents()->set_email_marketing(r.consent_email_marketing());
  }
  c.mutable_consents()->set_updated_time_ms(r.consents_updated_time_ms());
  c.mutable_preferences()->mutable_categories()->CopyFrom(r.preferred_categories());
  c.mutable_preferences()->mutable_brands()->CopyFrom(r.preferred_brands());
  c.mutable_attributes()->insert(r.attributes().begin(), r.attributes().end());
  c.set_created_time_ms(r.created_time_ms());
  return c;
}

rec::EventRecord ToRecord(const v1::Event& e, int64_t received_ms) {
  rec::EventRecord r;
  r.set_event_id(e.event_id());
  r.set_customer_id(e.customer_id());
  r.set_session_id(e.session_id());
  r.set_type(e.type());
  r.mutable_items()->Reserve(e.items_size());
  for (const auto& item : e.items()) {
    auto* out = r.add_items();
    out->set_item_id(item.item_id());
    out->set_quantity(item.quantity() == 0 ? 1 : item.quantity());
    out->set_price(item.price());
  }
  r.set_order_id(e.order_id());
  r.set_value(e.value());
  r.set_timestamp_ms(e.timestamp_ms() > 0 ? e.timestamp_ms() : received_ms);
  r.set_channel(e.channel());
  r.set_recommendation_id(e.recommendation_id());
  r.mutable_properties()->insert(e.properties().begin(), e.properties().end());
  r.set_received_time_ms(received_ms);
  return r;
}

v1::Event FromRecord(const rec::EventRecord& r) {
  v1::Event e;
  e.set_event_id(r.event_id());
  e.set_customer_id(r.customer_id());
  e.set_session_id(r.session_id());
  e.set_type(static_cast<v1::EventType>(r.type()));
  for (const auto& item : r.items()) {
    auto* out = e.add_items();
    out->set_item_id(item.item_id());
    out->set_quantity(item.quantity());
    out->set_price(item.price());
  }
  e.set_order_id(r.order_id());
  e.set_value(r.value());
  e.set_timestamp_ms(r.timestamp_ms());
  e.set_channel(static_cast<v1::Channel>(r.channel()));
  e.set_recommendation_id(r.recommendation_id());
  e.mutable_properties()->insert(r.properties().begin(), r.properties().end());
  return e;
}

}  // namespace persona::server
