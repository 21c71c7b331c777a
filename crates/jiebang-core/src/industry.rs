//! GB/T 4754-2017 (with the 2019 amendment) industry divisions (大类): all 41 industrial ones
//! (sections B mining, C manufacturing, D utilities) and the non-industrial ones that industry AI
//! programs name (agriculture, construction, transport, IT, finance, research, health).
//!
//! Codes are stored without the section letter ("26"); the letter is derived.

use serde::{Deserialize, Serialize};

use crate::FieldError;

/// One 大类.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Industry {
    /// Section letter (门类), e.g. `C`.
    pub section: char,
    /// Two-digit division code, e.g. `26`.
    pub code: &'static str,
    /// Official Chinese name.
    pub name: &'static str,
    /// English gloss.
    pub name_en: &'static str,
}

impl Industry {
    /// Whether the division is industrial (sections B, C, D).
    pub fn is_industrial(&self) -> bool {
        matches!(self.section, 'B' | 'C' | 'D')
    }
}

macro_rules! industries {
    ($( $section:literal $code:literal $name:literal $en:literal; )*) => {
        &[$( Industry { section: $section, code: $code, name: $name, name_en: $en }, )*]
    };
}

/// The GB/T 4754-2017 sections (门类): letter, Chinese name, English gloss.
pub static SECTIONS: &[(char, &str, &str)] = &[
    ('A', "农、林、牧、渔业", "Agriculture, forestry, animal husbandry and fishery"),
    ('B', "采矿业", "Mining"),
    ('C', "制造业", "Manufacturing"),
    ('D', "电力、热力、燃气及水生产和供应业", "Electricity, heat, gas and water supply"),
    ('E', "建筑业", "Construction"),
    ('F', "批发和零售业", "Wholesale and retail"),
    ('G', "交通运输、仓储和邮政业", "Transport, storage and post"),
    ('H', "住宿和餐饮业", "Accommodation and catering"),
    ('I', "信息传输、软件和信息技术服务业", "Information transmission, software and IT services"),
    ('J', "金融业", "Finance"),
    ('K', "房地产业", "Real estate"),
    ('L', "租赁和商务服务业", "Leasing and business services"),
    ('M', "科学研究和技术服务业", "Scientific research and technical services"),
    ('N', "水利、环境和公共设施管理业", "Water, environment and public facilities"),
    ('O', "居民服务、修理和其他服务业", "Resident, repair and other services"),
    ('P', "教育", "Education"),
    ('Q', "卫生和社会工作", "Health and social work"),
    ('R', "文化、体育和娱乐业", "Culture, sports and entertainment"),
    ('S', "公共管理、社会保障和社会组织", "Public administration and social organizations"),
    ('T', "国际组织", "International organizations"),
];

/// A section's name (Chinese or English) by its letter.
pub fn section_name(letter: char, chinese: bool) -> Option<&'static str> {
    SECTIONS.iter().find(|(l, ..)| *l == letter).map(|(_, zh, en)| if chinese { *zh } else { *en })
}

/// The table, in code order.
pub static INDUSTRIES: &[Industry] = industries! {
    'A' "01" "农业" "Agriculture";
    'A' "02" "林业" "Forestry";
    'A' "03" "畜牧业" "Animal husbandry";
    'A' "04" "渔业" "Fishery";
    'A' "05" "农、林、牧、渔专业及辅助性活动" "Agricultural support activities";
    'B' "06" "煤炭开采和洗选业" "Coal mining and washing";
    'B' "07" "石油和天然气开采业" "Oil and gas extraction";
    'B' "08" "黑色金属矿采选业" "Ferrous metal ore mining";
    'B' "09" "有色金属矿采选业" "Non-ferrous metal ore mining";
    'B' "10" "非金属矿采选业" "Non-metallic mineral mining";
    'B' "11" "开采专业及辅助性活动" "Mining support activities";
    'B' "12" "其他采矿业" "Other mining";
    'C' "13" "农副食品加工业" "Agri-food processing";
    'C' "14" "食品制造业" "Food manufacturing";
    'C' "15" "酒、饮料和精制茶制造业" "Liquor, beverages and refined tea";
    'C' "16" "烟草制品业" "Tobacco products";
    'C' "17" "纺织业" "Textiles";
    'C' "18" "纺织服装、服饰业" "Apparel and accessories";
    'C' "19" "皮革、毛皮、羽毛及其制品和制鞋业" "Leather, fur, feather, footwear";
    'C' "20" "木材加工和木、竹、藤、棕、草制品业" "Wood, bamboo, rattan, palm, straw products";
    'C' "21" "家具制造业" "Furniture";
    'C' "22" "造纸和纸制品业" "Paper and paper products";
    'C' "23" "印刷和记录媒介复制业" "Printing and recorded-media reproduction";
    'C' "24" "文教、工美、体育和娱乐用品制造业" "Stationery, crafts, sports and entertainment goods";
    'C' "25" "石油、煤炭及其他燃料加工业" "Petroleum, coal and other fuel processing";
    'C' "26" "化学原料和化学制品制造业" "Chemical raw materials and products";
    'C' "27" "医药制造业" "Pharmaceuticals";
    'C' "28" "化学纤维制造业" "Chemical fibres";
    'C' "29" "橡胶和塑料制品业" "Rubber and plastics";
    'C' "30" "非金属矿物制品业" "Non-metallic mineral products";
    'C' "31" "黑色金属冶炼和压延加工业" "Ferrous smelting and rolling";
    'C' "32" "有色金属冶炼和压延加工业" "Non-ferrous smelting and rolling";
    'C' "33" "金属制品业" "Fabricated metal products";
    'C' "34" "通用设备制造业" "General-purpose machinery";
    'C' "35" "专用设备制造业" "Special-purpose machinery";
    'C' "36" "汽车制造业" "Automobiles";
    'C' "37" "铁路、船舶、航空航天和其他运输设备制造业" "Rail, ships, aerospace, other transport equipment";
    'C' "38" "电气机械和器材制造业" "Electrical machinery and equipment";
    'C' "39" "计算机、通信和其他电子设备制造业" "Computers, communications, electronics";
    'C' "40" "仪器仪表制造业" "Instruments and meters";
    'C' "41" "其他制造业" "Other manufacturing";
    'C' "42" "废弃资源综合利用业" "Waste resource recycling";
    'C' "43" "金属制品、机械和设备修理业" "Repair of metal products, machinery, equipment";
    'D' "44" "电力、热力生产和供应业" "Electricity and heat supply";
    'D' "45" "燃气生产和供应业" "Gas supply";
    'D' "46" "水的生产和供应业" "Water supply";
    'E' "47" "房屋建筑业" "Building construction";
    'E' "48" "土木工程建筑业" "Civil engineering";
    'G' "53" "铁路运输业" "Rail transport";
    'G' "54" "道路运输业" "Road transport";
    'G' "55" "水上运输业" "Water transport";
    'G' "56" "航空运输业" "Air transport";
    'G' "58" "多式联运和运输代理业" "Multimodal transport and forwarding";
    'G' "59" "装卸搬运和仓储业" "Handling and warehousing";
    'G' "60" "邮政业" "Postal services";
    'I' "63" "电信、广播电视和卫星传输服务" "Telecommunications and broadcasting";
    'I' "64" "互联网和相关服务" "Internet services";
    'I' "65" "软件和信息技术服务业" "Software and IT services";
    'J' "66" "货币金融服务" "Monetary financial services";
    'J' "67" "资本市场服务" "Capital market services";
    'J' "68" "保险业" "Insurance";
    'J' "69" "其他金融业" "Other financial services";
    'M' "73" "研究和试验发展" "Research and development";
    'M' "74" "专业技术服务业" "Professional technical services";
    'M' "75" "科技推广和应用服务业" "Technology promotion services";
    'N' "77" "生态保护和环境治理业" "Ecological protection and environmental management";
    'P' "83" "教育" "Education";
    'Q' "84" "卫生" "Health";
};

/// A known industry division; what organizations and challenges are classified by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IndustryCode(&'static Industry);

impl IndustryCode {
    /// Accepts "26", "C26" or the Chinese name.
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let input = input.trim();
        let digits = input.trim_start_matches(|c: char| c.is_ascii_alphabetic());
        INDUSTRIES
            .iter()
            .find(|i| {
                i.code == digits && (digits.len() == input.len() || input.starts_with(i.section)) || i.name == input
            })
            .map(Self)
            .ok_or_else(|| {
                FieldError::new(
                    "industries",
                    format!(
                        "未知的行业「{input}」：请用 GB/T 4754-2017 大类代码（如 26 或 C26）或名称 / \
                         unknown industry '{input}': use a GB/T 4754-2017 division code (e.g. 26 or C26) or its name"
                    ),
                )
            })
    }

    /// Parses a list separated by commas, 、 or semicolons; at least one is required.
    pub fn parse_list(input: &str) -> Result<Vec<Self>, FieldError> {
        let mut codes = Vec::new();
        for part in input.split([',', '，', '、', ';', '；', '\n']).map(str::trim).filter(|p| !p.is_empty()) {
            let code = Self::parse(part)?;
            if !codes.contains(&code) {
                codes.push(code);
            }
        }
        if codes.is_empty() {
            return Err(FieldError::new("industries", "至少选择一个行业 / at least one industry is required"));
        }
        Ok(codes)
    }

    /// The two-digit code.
    pub fn code(&self) -> &'static str {
        self.0.code
    }

    /// The division.
    pub fn industry(&self) -> &'static Industry {
        self.0
    }
}

impl TryFrom<String> for IndustryCode {
    type Error = FieldError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<IndustryCode> for String {
    fn from(code: IndustryCode) -> Self {
        code.0.code.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_41_industrial_divisions_are_present_with_unique_codes() {
        assert_eq!(INDUSTRIES.iter().filter(|i| i.is_industrial()).count(), 41);
        for pair in INDUSTRIES.windows(2) {
            assert!(pair[0].code < pair[1].code);
        }
    }

    #[test]
    fn codes_letters_and_names_are_accepted_and_the_2019_names_are_used() {
        assert_eq!(IndustryCode::parse("26").unwrap().code(), "26");
        assert_eq!(IndustryCode::parse("C26").unwrap().code(), "26");
        assert_eq!(IndustryCode::parse("石油、煤炭及其他燃料加工业").unwrap().code(), "25");
        assert!(IndustryCode::parse("B26").is_err(), "26 is in section C, not B");
        assert!(IndustryCode::parse("99").unwrap_err().message.contains("99"));
    }

    #[test]
    fn lists_are_split_deduplicated_and_must_not_be_empty() {
        let codes = IndustryCode::parse_list("C26、28, 26；29").unwrap();
        assert_eq!(codes.iter().map(|c| c.code()).collect::<Vec<_>>(), ["26", "28", "29"]);
        assert!(IndustryCode::parse_list(" ").is_err());
    }
}
