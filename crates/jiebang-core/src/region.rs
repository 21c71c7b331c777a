//! GB/T 2260 administrative division codes, as a versioned table: a code that was abolished
//! (莱芜市 371200, merged into 济南市 in January 2019) is still known, with the date it ended and
//! the code that succeeded it, so old data and statistics map onto today's divisions.
//!
//! The table holds every province-level division, all Shandong cities, the districts of Jinan and
//! Qingdao (including their renamed and merged predecessors) and the cities the demo uses. It is
//! data, not code: extend it as programs in other provinces arrive.

use serde::{Deserialize, Serialize};

use crate::FieldError;

/// One division, current or historical.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Region {
    /// Six-digit code.
    pub code: &'static str,
    /// Chinese name, e.g. 济南市.
    pub name: &'static str,
    /// English name.
    pub name_en: &'static str,
    /// Last day the code was in force, for abolished divisions (ISO date).
    pub valid_until: Option<&'static str>,
    /// The code that replaced an abolished one.
    pub successor: Option<&'static str>,
}

macro_rules! regions {
    ($( $code:literal $name:literal $en:literal $( => $succ:literal until $until:literal )? ;)*) => {
        &[$( Region {
            code: $code, name: $name, name_en: $en,
            valid_until: regions!(@opt $($until)?), successor: regions!(@opt $($succ)?),
        }, )*]
    };
    (@opt) => { None };
    (@opt $v:literal) => { Some($v) };
}

/// The table, in code order.
pub static REGIONS: &[Region] = regions! {
    "110000" "北京市" "Beijing";
    "120000" "天津市" "Tianjin";
    "130000" "河北省" "Hebei";
    "140000" "山西省" "Shanxi";
    "150000" "内蒙古自治区" "Inner Mongolia";
    "210000" "辽宁省" "Liaoning";
    "220000" "吉林省" "Jilin";
    "230000" "黑龙江省" "Heilongjiang";
    "310000" "上海市" "Shanghai";
    "320000" "江苏省" "Jiangsu";
    "320500" "苏州市" "Suzhou";
    "330000" "浙江省" "Zhejiang";
    "330100" "杭州市" "Hangzhou";
    "340000" "安徽省" "Anhui";
    "340100" "合肥市" "Hefei";
    "350000" "福建省" "Fujian";
    "360000" "江西省" "Jiangxi";
    "370000" "山东省" "Shandong";
    "370100" "济南市" "Jinan";
    "370102" "历下区" "Lixia District";
    "370103" "市中区" "Shizhong District";
    "370104" "槐荫区" "Huaiyin District";
    "370105" "天桥区" "Tianqiao District";
    "370112" "历城区" "Licheng District";
    "370113" "长清区" "Changqing District";
    "370114" "章丘区" "Zhangqiu District";
    "370115" "济阳区" "Jiyang District";
    "370116" "莱芜区" "Laiwu District";
    "370117" "钢城区" "Gangcheng District";
    "370124" "平阴县" "Pingyin County";
    "370125" "济阳县" "Jiyang County" => "370115" until "2018-06-19";
    "370126" "商河县" "Shanghe County";
    "370181" "章丘市" "Zhangqiu (county-level city)" => "370114" until "2016-09-19";
    "370200" "青岛市" "Qingdao";
    "370202" "市南区" "Shinan District";
    "370203" "市北区" "Shibei District";
    "370211" "黄岛区" "Huangdao District";
    "370212" "崂山区" "Laoshan District";
    "370213" "李沧区" "Licang District";
    "370214" "城阳区" "Chengyang District";
    "370215" "即墨区" "Jimo District";
    "370281" "胶州市" "Jiaozhou";
    "370282" "即墨市" "Jimo (county-level city)" => "370215" until "2017-07-21";
    "370283" "平度市" "Pingdu";
    "370285" "莱西市" "Laixi";
    "370300" "淄博市" "Zibo";
    "370400" "枣庄市" "Zaozhuang";
    "370500" "东营市" "Dongying";
    "370600" "烟台市" "Yantai";
    "370700" "潍坊市" "Weifang";
    "370800" "济宁市" "Jining";
    "370900" "泰安市" "Tai'an";
    "371000" "威海市" "Weihai";
    "371100" "日照市" "Rizhao";
    "371200" "莱芜市" "Laiwu" => "370100" until "2019-01-09";
    "371202" "莱城区" "Laicheng District" => "370116" until "2019-01-09";
    "371203" "钢城区" "Gangcheng District (Laiwu)" => "370117" until "2019-01-09";
    "371300" "临沂市" "Linyi";
    "371400" "德州市" "Dezhou";
    "371500" "聊城市" "Liaocheng";
    "371600" "滨州市" "Binzhou";
    "371700" "菏泽市" "Heze";
    "410000" "河南省" "Henan";
    "420000" "湖北省" "Hubei";
    "420100" "武汉市" "Wuhan";
    "430000" "湖南省" "Hunan";
    "440000" "广东省" "Guangdong";
    "440100" "广州市" "Guangzhou";
    "440300" "深圳市" "Shenzhen";
    "450000" "广西壮族自治区" "Guangxi";
    "460000" "海南省" "Hainan";
    "500000" "重庆市" "Chongqing";
    "510000" "四川省" "Sichuan";
    "510100" "成都市" "Chengdu";
    "520000" "贵州省" "Guizhou";
    "530000" "云南省" "Yunnan";
    "540000" "西藏自治区" "Tibet";
    "610000" "陕西省" "Shaanxi";
    "620000" "甘肃省" "Gansu";
    "630000" "青海省" "Qinghai";
    "640000" "宁夏回族自治区" "Ningxia";
    "650000" "新疆维吾尔自治区" "Xinjiang";
    "710000" "台湾省" "Taiwan";
    "810000" "香港特别行政区" "Hong Kong";
    "820000" "澳门特别行政区" "Macao";
};

impl Region {
    /// Looks up a code, current or historical.
    pub fn lookup(code: &str) -> Option<&'static Region> {
        REGIONS.iter().find(|r| r.code == code)
    }

    /// Whether the code is still in force.
    pub fn is_current(&self) -> bool {
        self.valid_until.is_none()
    }

    /// Follows successors until a current division is reached (371202 → 370116).
    pub fn current(&'static self) -> &'static Region {
        let mut region = self;
        while let Some(next) = region.successor.and_then(Region::lookup) {
            region = next;
        }
        region
    }

    /// The prefecture-level city (地级市) the division belongs to, for statistics by city;
    /// `None` for province-level divisions.
    pub fn city(&'static self) -> Option<&'static Region> {
        let current = self.current();
        if current.code.ends_with("0000") {
            return None;
        }
        Region::lookup(&format!("{}00", &current.code[..4])).map(Region::current)
    }
}

/// A code of a division that exists today; what organizations and challenges refer to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(&'static Region);

impl RegionCode {
    /// Accepts a six-digit code or a Chinese name (济南市 or 济南). An abolished code is refused
    /// with the name of its successor.
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let input = input.trim();
        let err = |m: String| FieldError::new("region", m);
        let found = if input.len() == 6 && input.chars().all(|c| c.is_ascii_digit()) {
            Region::lookup(input)
        } else {
            // Today's divisions first, so a reused name (钢城区) means the current one.
            let by_name = |current: bool| {
                let mut candidates = REGIONS.iter().filter(move |r| r.is_current() == current);
                candidates.find(|r| r.name == input || r.name.trim_end_matches(['市', '省']) == input)
            };
            by_name(true).or_else(|| by_name(false))
        };
        let Some(region) = found else {
            return Err(err(format!(
                "未知的行政区划代码或名称「{input}」（GB/T 2260） / unknown region code or name '{input}' (GB/T 2260)"
            )));
        };
        if let Some(until) = region.valid_until {
            let successor = region.current();
            return Err(err(format!(
                "{}（{}）已于{until}撤销，现属{}（{}） / {} ({}) was abolished on {until}; use {} ({})",
                region.name,
                region.code,
                successor.name,
                successor.code,
                region.name_en,
                region.code,
                successor.name_en,
                successor.code
            )));
        }
        Ok(Self(region))
    }

    /// The six-digit code.
    pub fn code(&self) -> &'static str {
        self.0.code
    }

    /// The division itself.
    pub fn region(&self) -> &'static Region {
        self.0
    }

    /// Whether the division `code` is this one or lies under it (a province holds its cities,
    /// a city its districts).
    pub fn contains(&self, code: &str) -> bool {
        covers(self.code(), code)
    }
}

/// The digits a division shares with every division under it: 370000 → 37, 370100 → 3701,
/// 370116 → 370116 (what a `LIKE 'prefix%'` query matches on).
pub fn prefix(code: &str) -> &str {
    let mut prefix = code;
    while prefix.len() > 2 && prefix.ends_with("00") {
        prefix = &prefix[..prefix.len() - 2];
    }
    prefix
}

/// Whether the division `code` is `scope` or lies under it — the one rule of region containment
/// (a recommender's scope, notification audiences, list filters), for codes kept as text.
pub fn covers(scope: &str, code: &str) -> bool {
    code.starts_with(prefix(scope))
}

impl TryFrom<String> for RegionCode {
    type Error = FieldError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<RegionCode> for String {
    fn from(code: RegionCode) -> Self {
        code.0.code.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_province_holds_its_cities_and_a_city_its_districts() {
        assert_eq!(
            (prefix("370000"), prefix("370100"), prefix("370116"), prefix("371000")),
            ("37", "3701", "370116", "3710")
        );
        let shandong = RegionCode::parse("370000").unwrap();
        let jinan = RegionCode::parse("370100").unwrap();
        assert!(shandong.contains("370102") && shandong.contains("370000") && jinan.contains("370102"));
        assert!(!jinan.contains("370200") && !jinan.contains("371002") && !shandong.contains("110000"));
        assert!(covers("371000", "371002") && !covers("371000", "370102"));
    }

    #[test]
    fn laiwu_is_known_as_merged_into_jinan_in_2019() {
        let laiwu = Region::lookup("371200").unwrap();
        assert!(!laiwu.is_current());
        assert_eq!(laiwu.current().name, "济南市");
        let err = RegionCode::parse("371200").unwrap_err();
        assert!(err.message.contains("2019") && err.message.contains("370100"), "{err}");
    }

    #[test]
    fn old_laiwu_districts_map_to_jinan_districts_and_to_the_city_of_jinan() {
        let laicheng = Region::lookup("371202").unwrap();
        assert_eq!(laicheng.current().code, "370116");
        assert_eq!(laicheng.city().unwrap().code, "370100");
        assert_eq!(Region::lookup("370282").unwrap().city().unwrap().name, "青岛市");
    }

    #[test]
    fn names_with_or_without_suffix_are_accepted() {
        assert_eq!(RegionCode::parse("济南市").unwrap().code(), "370100");
        assert_eq!(RegionCode::parse("青岛").unwrap().code(), "370200");
        assert_eq!(RegionCode::parse("山东").unwrap().code(), "370000");
        assert!(RegionCode::parse("莱芜").unwrap_err().message.contains("370100"));
        assert_eq!(RegionCode::parse("钢城区").unwrap().code(), "370117");
        assert!(RegionCode::parse("999999").unwrap_err().message.contains("999999"));
    }

    #[test]
    fn the_table_is_sorted_unique_and_every_successor_exists() {
        for pair in REGIONS.windows(2) {
            assert!(pair[0].code < pair[1].code, "{} then {}", pair[0].code, pair[1].code);
        }
        for r in REGIONS.iter().filter(|r| r.successor.is_some()) {
            assert!(r.current().is_current(), "{}", r.code);
        }
    }

    #[test]
    fn shandong_has_sixteen_current_cities() {
        let cities = REGIONS
            .iter()
            .filter(|r| r.code.starts_with("37") && r.code.ends_with("00") && !r.code.ends_with("0000"))
            .filter(|r| r.is_current())
            .count();
        assert_eq!(cities, 16);
    }
}
