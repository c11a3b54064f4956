// Conversions between the API messages (persona.v1) and the on-disk records
// (persona.storage.v1), and from records to the model's plain structs.
// Pure functions; thread-safe.
#ifndef PERSONA_SERVER_CONVERT_H_
#define PERSONA_SERVER_CONVERT_H_

#include "model/catalog_index.h"
#include "persona/storage/v1/records.pb.h"
#include "persona/v1/common.pb.h"

namespace persona::server {

namespace v1 = ::persona::v1;
namespace rec = ::persona::storage::v1;

rec::ItemRecord ToRecord(const v1::Item& item, int64_t now_ms);
v1::Item FromRecord(const rec::ItemRecord& record);
model::ItemInfo ToItemInfo(const rec::ItemRecord& record);

rec::CustomerRecord ToRecord(const v1::Customer& customer, int64_t now_ms);
v1::Customer FromRecord(const rec::CustomerRecord& record);

// `received_ms` becomes the record's received time and, when the event has
// no timestamp, its timestamp.
rec::EventRecord ToRecord(const v1::Event& event, int64_t received_ms);
v1::Event FromRecord(const rec::EventRecord& record);

}  // namespace persona::server

#endif  // PERSONA_SERVER_CONVERT_H_
