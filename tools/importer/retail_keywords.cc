#include "tools/importer/retail_keywords.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"

namespace persona::importer {
namespace {

struct Rule {
  const char* path;      // Category path, levels separated by '/'.
  const char* keywords;  // Space-separated words; "WORD*" matches a prefix.
};

// Order matters: "CHRISTMAS CANDLE" is Seasonal, "TEA TOWEL" is Textiles.
// Keep in sync with docs/IMPORT.md.
constexpr Rule kCategoryRules[] = {
    {"Seasonal/Christmas", "CHRISTMAS XMAS ADVENT SANTA REINDEER SNOWFLAKE* NATIVITY"},
    {"Seasonal/Easter", "EASTER"},
    {"Home/Lighting",
     "LANTERN* LIGHT LIGHTS CANDLE* T-LIGHT* TEALIGHT* LAMP* NIGHTLIGHT INCENSE CHANDELIER "
     "TORCH"},
    {"Accessories/Jewellery",
     "JEWEL* NECKLAC* BRACELET* EARRING* RING RINGS BROOCH DIAMANTE CHARM* BEAD* BANGLE*"},
    {"Accessories/Fashion",
     "UMBRELLA HAIR SCARF GLOVES HAT SLIPPER* PURSE WALLET WARMER BADGE* PATCHES"},
    {"Bags", "BAG BAGS SHOPPER TOTE HANDBAG BACKPACK RUCKSACK"},
    {"Kitchen/Baking", "CAKE* CUPCAKE* BAKING BAKE MOULD PASTRY COOKIE SCONE BISCUIT CASES"},
    {"Home/Textiles", "CUSHION* DOORMAT TOWEL* BLANKET THROW APRON QUILT BOTTLE CURTAIN FLANNEL"},
    {"Kitchen/Tableware",
     "MUG MUGS CUP CUPS TEACUP* PLATE PLATES BOWL BOWLS TEA TEAPOT SAUCER* CUTLERY DISH JUG TRAY "
     "BEAKER* SPOON* NAPKINS COFFEE GLASS GLASSES PANTRY KITCHEN EGG JAM LUNCH PAN COASTER* "
     "PLACEMAT*"},
    {"Stationery/Cards & Wrap",
     "CARD CARDS WRAP PAPER RIBBON* TISSUE* TAPE ENVELOPE* TAG TAGS GIFTWRAP"},
    {"Stationery/Office",
     "NOTEBOOK* PEN PENS PENCIL* STICKER* ERASER* NOTE NOTES BOOK RULER CALCULATOR MAGNET*"},
    {"Toys & Games",
     "TOY TOYS GAME GAMES DOLL DOLLY DOLLS JIGSAW* PUZZLE* SPACEBOY SKIPPING PLAYHOUSE DOMINOES "
     "CRAYONS KIT FELTCRAFT CHILDRENS CHILDS BALL TEDDY SKITTLES CRAFT STENCIL"},
    {"Party", "PARTY BIRTHDAY BUNTING BALLOON* CONFETTI"},
    {"Garden", "GARDEN PLANT* PLANTER WATERING BIRD HERB FLOWERPOT PARASOL"},
    {"Home/Storage",
     "BOX BOXES BASKET* STORAGE JAR JARS TIN TINS DRAWER* CABINET RACK TRINKET HOOK HOOKS"},
    {"Home/Decor",
     "SIGN FRAME CLOCK MIRROR DECORATION* GARLAND WREATH ORNAMENT PLAQUE PICTURE ART TILE HEART "
     "HANGING VASE HOLDER LETTERS"},
};

struct TagRule {
  const char* tag;
  const char* keywords;
};

constexpr TagRule kTagRules[] = {
    {"vintage", "VINTAGE ANTIQUE"},
    {"retro", "RETRO RETROSPOT"},
    {"polkadot", "POLKADOT SPOTTY"},
    {"floral", "FLOWER* FLORAL ROSE ROSES DAISY BLOSSOM"},
    {"heart", "HEART HEARTS"},
    {"gift", "GIFT"},
    {"children", "CHILDRENS CHILDS KIDS"},
    {"pink", "PINK"},
    {"red", "RED"},
    {"blue", "BLUE"},
    {"green", "GREEN"},
    {"white", "WHITE"},
    {"black", "BLACK"},
    {"ivory", "IVORY CREAM"},
    {"silver", "SILVER"},
    {"gold", "GOLD"},
};

// Splits an upper-cased description into words of letters, digits, '-' and '&'.
std::vector<std::string> Words(absl::string_view description) {
  std::string upper = absl::AsciiStrToUpper(description);
  for (char& c : upper) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '&' && c != '\'') {
      c = ' ';
    }
  }
  return absl::StrSplit(upper, ' ', absl::SkipEmpty());
}

bool Matches(const std::vector<std::string>& words, const char* keywords) {
  for (absl::string_view keyword : absl::StrSplit(keywords, ' ', absl::SkipEmpty())) {
    const bool prefix = keyword.back() == '*';
    if (prefix) keyword.remove_suffix(1);
    for (const std::string& word : words) {
      if (prefix ? absl::string_view(word).substr(0, keyword.size()) == keyword : word == keyword) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

std::vector<std::string> RetailCategory(absl::string_view description) {
  const std::vector<std::string> words = Words(description);
  for (const Rule& rule : kCategoryRules) {
    if (Matches(words, rule.keywords)) return absl::StrSplit(rule.path, '/');
  }
  return {"Other"};
}

std::vector<std::string> RetailTags(absl::string_view description) {
  const std::vector<std::string> words = Words(description);
  std::vector<std::string> tags;
  for (const TagRule& rule : kTagRules) {
    if (Matches(words, rule.keywords)) tags.emplace_back(rule.tag);
  }
  std::sort(tags.begin(), tags.end());
  return tags;
}

}  // namespace persona::importer
