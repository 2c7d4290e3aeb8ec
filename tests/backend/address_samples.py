"""Addresses as people paste them, one per province-level division (31), each written in
two of the ways shops see them. What `POST /addresses/parse` must read (the test and
bench/address_parse.py measure the hit rate over these)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sample:
    name: str
    phone: str
    province: str
    city: str
    district: str
    detail: str


# (sample, province as written short, city as written short)
SAMPLES: list[tuple[Sample, str, str]] = [
    (
        Sample(
            "王建国", "13911112222", "北京市", "北京市", "海淀区", "中关村大街27号院3号楼1单元501"
        ),
        "北京",
        "北京",
    ),
    (Sample("刘洋", "13622334455", "天津市", "天津市", "南开区", "鞍山西道198号"), "天津", "天津"),
    (
        Sample(
            "赵丽华",
            "15832119876",
            "河北省",
            "石家庄市",
            "裕华区",
            "槐安东路136号金石小区8栋2单元302室",
        ),
        "河北",
        "石家庄",
    ),
    (Sample("李晓东", "13935128877", "山西省", "太原市", "小店区", "长风街113号"), "山西", "太原"),
    (
        Sample("巴特尔", "15147125566", "内蒙古自治区", "呼和浩特市", "赛罕区", "大学东街235号"),
        "内蒙古",
        "呼和浩特",
    ),
    (Sample("孙伟", "18640061234", "辽宁省", "大连市", "沙河口区", "西安路69号"), "辽宁", "大连"),
    (
        Sample("金美英", "13843368899", "吉林省", "延边朝鲜族自治州", "延吉市", "光明街288号"),
        "吉林",
        "延边",
    ),
    (
        Sample("周凯", "13504512345", "黑龙江省", "哈尔滨市", "南岗区", "西大直街92号"),
        "黑龙江",
        "哈尔滨",
    ),
    (
        Sample(
            "陈思远",
            "13817776543",
            "上海市",
            "上海市",
            "浦东新区",
            "世纪大道1198号世纪汇广场1座2301室",
        ),
        "上海",
        "上海",
    ),
    (Sample("吴敏", "13770881234", "江苏省", "苏州市", "姑苏区", "人民路1000号"), "江苏", "苏州"),
    (Sample("张三", "13800138000", "浙江省", "杭州市", "西湖区", "文三路100号"), "浙江", "杭州"),
    (Sample("汪小琴", "13955190011", "安徽省", "合肥市", "蜀山区", "黄山路459号"), "安徽", "合肥"),
    (
        Sample("林志强", "13959283344", "福建省", "厦门市", "思明区", "湖滨南路388号国贸大厦12层"),
        "福建",
        "厦门",
    ),
    (
        Sample("熊婷", "13879105566", "江西省", "南昌市", "红谷滩区", "丰和中大道1099号"),
        "江西",
        "南昌",
    ),
    (Sample("高峰", "15953227788", "山东省", "青岛市", "市南区", "香港中路76号"), "山东", "青岛"),
    (Sample("杨帆", "13838112233", "河南省", "郑州市", "金水区", "花园路39号"), "河南", "郑州"),
    (Sample("胡静", "13971564321", "湖北省", "武汉市", "洪山区", "珞喻路1037号"), "湖北", "武汉"),
    (Sample("彭亮", "13975187766", "湖南省", "长沙市", "岳麓区", "麓山南路932号"), "湖南", "长沙"),
    (
        Sample("黄嘉欣", "13719206655", "广东省", "深圳市", "南山区", "科技园科苑路15号"),
        "广东",
        "深圳",
    ),
    (
        Sample("韦春燕", "13978123344", "广西壮族自治区", "桂林市", "秀峰区", "中山中路18号"),
        "广西",
        "桂林",
    ),
    (Sample("符海", "13876009988", "海南省", "三亚市", "吉阳区", "迎宾路360号"), "海南", "三亚"),
    (
        Sample("谭明", "13908312345", "重庆市", "重庆市", "渝中区", "解放碑民族路166号"),
        "重庆",
        "重庆",
    ),
    (
        Sample("罗小雨", "18628001122", "四川省", "成都市", "武侯区", "人民南路四段11号"),
        "四川",
        "成都",
    ),
    (Sample("龙飞", "13985012233", "贵州省", "贵阳市", "南明区", "中华南路20号"), "贵州", "贵阳"),
    (
        Sample("段丽", "13708724455", "云南省", "大理白族自治州", "大理市", "人民路211号"),
        "云南",
        "大理",
    ),
    (
        Sample("次仁", "13989001234", "西藏自治区", "拉萨市", "城关区", "北京中路48号"),
        "西藏",
        "拉萨",
    ),
    (Sample("马超", "13991234567", "陕西省", "西安市", "雁塔区", "小寨东路126号"), "陕西", "西安"),
    (
        Sample("牛红梅", "13919345678", "甘肃省", "兰州市", "城关区", "东岗西路638号"),
        "甘肃",
        "兰州",
    ),
    (Sample("韩德", "13897001122", "青海省", "西宁市", "城西区", "五四西路52号"), "青海", "西宁"),
    (
        Sample("马玉兰", "13995003344", "宁夏回族自治区", "银川市", "兴庆区", "解放东街139号"),
        "宁夏",
        "银川",
    ),
    (
        Sample(
            "阿依古丽", "13999112233", "新疆维吾尔自治区", "乌鲁木齐市", "天山区", "解放北路120号"
        ),
        "新疆",
        "乌鲁木齐",
    ),
]


def _region(sample: Sample, province: str, city: str) -> tuple[str, str]:
    """The region in full and written short (a municipality's city once)."""
    municipality = sample.province == sample.city
    full = sample.province + ("" if municipality else sample.city) + sample.district
    short = province + ("" if municipality else city) + sample.district
    return full, short


def written(index: int, sample: Sample, province: str, city: str) -> list[str]:
    """Two ways the sample is pasted, varying with its index over six styles: spaced,
    no separators at all, labelled, short names, address first, name glued to the detail."""
    full, short = _region(sample, province, city)
    styles = [
        f"{sample.name} {sample.phone} {full}{sample.detail}",
        f"{sample.name}{sample.phone}{full}{sample.detail}",
        f"收货人：{sample.name}，手机号码：{sample.phone}，所在地区：{sample.province} "
        f"{sample.city} {sample.district}，详细地址：{sample.detail}",
        f"{short} {sample.detail} {sample.name} {sample.phone}",
        f"{sample.phone}，{sample.name}，{short}{sample.detail}",
        f"{short}{sample.detail}{sample.name}{sample.phone}",
    ]
    return [styles[index % 6], styles[(index + 3) % 6]]


def all_pasted() -> list[tuple[str, Sample]]:
    return [
        (text, sample)
        for index, (sample, province, city) in enumerate(SAMPLES)
        for text in written(index, sample, province, city)
    ]


def hits(parsed: dict[str, object], sample: Sample) -> bool:
    return all(
        parsed[field] == getattr(sample, field)
        for field in ("name", "phone", "province", "city", "district", "detail")
    )
