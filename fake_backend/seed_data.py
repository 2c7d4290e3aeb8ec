"""The raw material of the demo catalogue: categories, brands, listings, specs, words."""

from __future__ import annotations

from typing import Any

# (zh, en, children). Leaves carry product families.
CATEGORY_TREE: list[tuple[str, str, list[Any]]] = [
    (
        "服装",
        "Clothing",
        [
            ("男装", "Menswear", [("T恤", "T-shirts", []), ("外套", "Jackets", [])]),
            ("女装", "Womenswear", [("连衣裙", "Dresses", []), ("卫衣", "Hoodies", [])]),
            ("鞋靴", "Shoes", []),
        ],
    ),
    (
        "数码",
        "Electronics",
        [
            ("手机", "Phones", []),
            ("耳机", "Headphones", []),
            ("电脑配件", "Computer accessories", []),
            ("充值卡", "Top-up cards", []),
        ],
    ),
    (
        "家居",
        "Home",
        [
            ("厨房", "Kitchen", [("杯具", "Cups", []), ("锅具", "Cookware", [])]),
            ("床品", "Bedding", []),
            ("收纳", "Storage", []),
        ],
    ),
    (
        "美妆",
        "Beauty",
        [
            ("口红", "Lipstick", []),
            ("护肤", "Skincare", []),
        ],
    ),
    (
        "食品",
        "Food",
        [
            ("零食", "Snacks", []),
            ("茶饮", "Tea", []),
            ("生鲜", "Fresh", []),
        ],
    ),
    (
        "图书",
        "Books",
        [
            ("小说", "Fiction", []),
            ("计算机", "Computing", []),
        ],
    ),
    (
        "运动",
        "Sports",
        [
            ("跑步", "Running", []),
            ("定制礼品", "Custom gifts", []),
        ],
    ),
    (
        "生活服务",
        "Services",
        [
            ("家电清洗", "Appliance cleaning", []),
            ("上门安装", "Installation", []),
            ("家政服务", "Housekeeping", []),
        ],
    ),
]

COLORS = ["黑色", "白色", "灰色", "藏青", "卡其", "酒红", "雾霾蓝", "樱花粉"]
SIZES = ["S", "M", "L", "XL", "XXL"]
SHOE_SIZES = ["38", "39", "40", "41", "42", "43"]

# Every review pool rates its texts in this order, and every pool has this many texts:
# the seed draws one text per review with `rng.choice`, so pools of one length keep the
# demo shop's random draws (ids, prices, stock, ratings) what they were with one pool.
REVIEW_RATINGS = (5, 5, 5, 4, 5, 3, 5, 4, 3, 2)


def _rated(*texts: str) -> list[tuple[str, int]]:
    if len(texts) != len(REVIEW_RATINGS):
        raise ValueError(f"a review pool needs {len(REVIEW_RATINGS)} texts, got {len(texts)}")
    return list(zip(texts, REVIEW_RATINGS, strict=True))


# Review texts by kind of goods, so that a review fits what it reviews (no "尺码偏小" on a
# thermos): each family below names its pool.
APPAREL_REVIEWS = _rated(
    "面料舒服，和描述一致，物流也快。",
    "上身效果很好，版型好看。",
    "性价比很高，推荐购买！",
    "颜色比图片稍深一点，整体满意。",
    "洗了一次没有掉色，也没缩水。",
    "一般般，对得起这个价格。",
    "第二次购买了，依然好穿。",
    "尺码偏小，建议买大一号。",
    "有个线头，联系客服已处理。",
    "不太满意，做工粗糙。",
)
SHOE_REVIEWS = _rated(
    "鞋子很舒服，走一天也不累。",
    "鞋盒完好，物流也快。",
    "性价比很高，推荐购买！",
    "颜色比图片稍深一点，整体满意。",
    "鞋底软，穿着很轻。",
    "一般般，对得起这个价格。",
    "第二次购买了，依然好穿。",
    "鞋码偏小，建议买大一码。",
    "有点磨脚，穿几天就好了。",
    "不太满意，开胶了。",
)
SPORT_REVIEWS = _rated(
    "运动时穿戴很舒服，和描述一致。",
    "跑了几次，很轻便，不磨人。",
    "性价比很高，推荐购买！",
    "颜色比图片稍亮一点，整体满意。",
    "发货速度快，客服态度好。",
    "一般般，对得起这个价格。",
    "第二次购买了，依然好用。",
    "尺码偏小，建议买大一号。",
    "有个线头，联系客服已处理。",
    "不太满意，做工粗糙。",
)
PHONE_REVIEWS = _rated(
    "运行流畅，拍照清晰，和描述一致。",
    "电池很耐用，重度使用一天没问题。",
    "性价比很高，推荐购买！",
    "机身有点重，其他都满意。",
    "正品，激活验机都没问题，发货快。",
    "一般般，玩游戏有点发热。",
    "给家里人买的第二台了，依然好用。",
    "充电器要单独买，有点不方便。",
    "信号偶尔不稳，联系客服已处理。",
    "不太满意，屏幕有亮点。",
)
HEADPHONE_REVIEWS = _rated(
    "音质很好，和描述一致，物流也快。",
    "佩戴舒服，戴久了耳朵也不疼。",
    "性价比很高，推荐购买！",
    "连接稳定，就是充电盒容易沾指纹。",
    "续航不错，通勤一周充一次。",
    "一般般，低音有点弱。",
    "第二次购买了，依然好用。",
    "通话时对方说声音有点小。",
    "偶尔断连，联系客服已处理。",
    "不太满意，有电流声。",
)
COMPUTER_ACCESSORY_REVIEWS = _rated(
    "做工扎实，和描述一致，物流也快。",
    "办公用很顺手，即插即用。",
    "性价比很高，推荐购买！",
    "颜色比图片稍深一点，整体满意。",
    "发货速度快，客服态度好。",
    "一般般，对得起这个价格。",
    "第二次购买了，依然好用。",
    "说明书简单了点，摸索了一会儿。",
    "有点小瑕疵，联系客服已处理。",
    "不太满意，用了一周就接触不良。",
)
VIRTUAL_REVIEWS = _rated(
    "到账很快，几秒钟就好了。",
    "卡密可以正常使用，放心。",
    "性价比很高，推荐购买！",
    "比官方便宜一点，到账稍慢了几分钟。",
    "第三次买了，一直很稳定。",
    "一般般，活动价时更划算。",
    "给家人充的，很方便。",
    "到账短信晚了一会儿，但没问题。",
    "开始没到账，联系客服已处理。",
    "不太满意，到账太慢了。",
)
CUP_REVIEWS = _rated(
    "做工精致，和描述一致，物流也快。",
    "盖子密封好，放包里也不漏水。",
    "性价比很高，推荐购买！",
    "颜色比图片稍深一点，整体满意。",
    "没有异味，洗一下就能用。",
    "一般般，对得起这个价格。",
    "第二次购买了，送人很合适。",
    "容量比想象的小一点。",
    "杯底有点划痕，联系客服已处理。",
    "不太满意，盖子拧不紧。",
)
COOKWARE_REVIEWS = _rated(
    "做饭很方便，和描述一致，物流也快。",
    "受热均匀，清洗也容易。",
    "性价比很高，推荐购买！",
    "有点重，单手拿着吃力。",
    "发货速度快，包装很严实。",
    "一般般，对得起这个价格。",
    "第二次购买了，依然好用。",
    "第一次用前要多洗几遍。",
    "到货有个小磕碰，联系客服已处理。",
    "不太满意，用了一个月就粘锅。",
)
BEDDING_REVIEWS = _rated(
    "手感柔软，睡着很舒服。",
    "包装完好，洗过以后也不起球。",
    "性价比很高，推荐购买！",
    "颜色比图片稍深一点，整体满意。",
    "发货速度快，客服态度好。",
    "一般般，对得起这个价格。",
    "第二次购买了，给父母也买了一套。",
    "刚拆开有点味道，晾两天就好了。",
    "有个线头，联系客服已处理。",
    "不太满意，洗一次就缩水了。",
)
STORAGE_REVIEWS = _rated(
    "很能装，家里整齐多了。",
    "包装完好，结实耐用。",
    "性价比很高，推荐购买！",
    "比想象的小一点，整体满意。",
    "发货速度快，客服态度好。",
    "一般般，对得起这个价格。",
    "第二次购买了，依然好用。",
    "塑料味有点重，放几天就好了。",
    "有个角压坏了，联系客服已处理。",
    "不太满意，材料太薄。",
)
LIPSTICK_REVIEWS = _rated(
    "颜色很正，显白，和描述一致。",
    "质地顺滑，不拔干。",
    "性价比很高，推荐购买！",
    "实物颜色比图片稍深一点，整体满意。",
    "正品，包装精致，送人很合适。",
    "一般般，持久度一般。",
    "第二次购买了，依然喜欢。",
    "有点沾杯，吃饭要补妆。",
    "外壳有划痕，联系客服已处理。",
    "不太满意，颜色不适合我。",
)
SKINCARE_REVIEWS = _rated(
    "用了一周，皮肤水润多了。",
    "质地清爽，吸收很快。",
    "性价比很高，推荐购买！",
    "味道有点淡，效果还可以。",
    "正品，日期很新，物流也快。",
    "一般般，效果没有想象的明显。",
    "第二次购买了，一直在用。",
    "敏感肌要先在耳后试一下。",
    "瓶口有点漏，联系客服已处理。",
    "不太满意，用了有点刺痛。",
)
SNACK_REVIEWS = _rated(
    "很好吃，日期新鲜，物流也快。",
    "分量足，小包装很方便。",
    "性价比很高，推荐购买！",
    "味道有点偏咸，整体满意。",
    "发货速度快，包装完好没有碎。",
    "一般般，对得起这个价格。",
    "第二次购买了，家里人都爱吃。",
    "有点甜，适合爱吃甜的。",
    "有一袋漏气了，联系客服已处理。",
    "不太满意，不太新鲜。",
)
TEA_REVIEWS = _rated(
    "茶香浓郁，回甘很好。",
    "包装完好，日期新鲜。",
    "性价比很高，推荐购买！",
    "味道比想象的淡一点，整体满意。",
    "发货速度快，送人很有面子。",
    "一般般，对得起这个价格。",
    "第二次购买了，依然好喝。",
    "碎茶有点多，泡着还行。",
    "罐子压瘪了，联系客服已处理。",
    "不太满意，有股陈味。",
)
FRESH_REVIEWS = _rated(
    "很新鲜，个头大，和描述一致。",
    "冷链到的，打开还是凉的。",
    "性价比很高，推荐购买！",
    "个头大小不太均匀，整体满意。",
    "发货速度快，包装很严实。",
    "一般般，对得起这个价格。",
    "第二次购买了，家里人都说好。",
    "分量刚好，没有多给。",
    "有几个坏的，联系客服已处理。",
    "不太满意，到的时候不新鲜了。",
)
BOOK_REVIEWS = _rated(
    "正版，印刷清晰，纸张不错。",
    "内容很好，一口气读完了。",
    "性价比很高，推荐购买！",
    "封面有点折痕，内容没问题。",
    "发货速度快，包装有塑封。",
    "一般般，对得起这个价格。",
    "第二次购买了，这次是送朋友。",
    "字有点小，看久了累眼睛。",
    "书角压坏了，联系客服已处理。",
    "不太满意，有几页印刷模糊。",
)
CUSTOM_GIFT_REVIEWS = _rated(
    "定制的内容和要求一致，做得很用心。",
    "送人很有面子，对方很喜欢。",
    "性价比很高，推荐购买！",
    "制作时间比预计长了一天，整体满意。",
    "客服耐心确认了定制细节。",
    "一般般，对得起这个价格。",
    "第二次定制了，依然满意。",
    "图案颜色比设计稿稍浅。",
    "有个字印歪了，联系客服已处理。",
    "不太满意，做工粗糙。",
)


SERVICE_REVIEWS = _rated(
    "师傅准时上门，做得很仔细，收拾得也干净。",
    "预约方便，按时到达，服务专业。",
    "师傅很耐心，讲解了日常保养方法。",
    "效果不错，和预约时说的一样。",
    "第二次预约了，还是这位师傅，放心。",
    "迟到了二十分钟，不过活干得不错。",
    "价格透明，没有额外收费。",
    "一般般，时间比预计的长。",
    "师傅改了一次时间，提前打了电话。",
    "不太满意，有个角落没弄干净。",
)


# Leaf zh name -> family: brands, base names, spec axes, price range in yuan, return rule.
# `returns`: (returnable, window_days, reason when not returnable); `reviews`: its pool.
FAMILIES: dict[str, dict[str, Any]] = {
    "T恤": {
        "brands": ["优衣库", "李宁", "海澜之家", "森马"],
        "names": ["纯棉T恤 男款 宽松短袖", "重磅纯棉圆领T恤", "冰丝速干T恤", "印花潮牌T恤 情侣款"],
        "specs": {"颜色": COLORS[:5], "尺码": SIZES},
        "price": (39, 129),
        "returns": (True, 7, None),
        "reviews": APPAREL_REVIEWS,
    },
    "外套": {
        "brands": ["波司登", "李宁", "太平鸟"],
        "names": ["轻薄羽绒服 90白鸭绒", "冲锋衣 三合一 防风防水", "工装夹克 春秋款"],
        "specs": {"颜色": COLORS[:4], "尺码": SIZES},
        "price": (199, 899),
        "returns": (True, 15, None),
        "reviews": APPAREL_REVIEWS,
    },
    "连衣裙": {
        "brands": ["太平鸟", "ONLY", "韩都衣舍"],
        "names": ["法式碎花连衣裙 收腰显瘦", "针织连衣裙 秋冬长款", "小黑裙 赫本风"],
        "specs": {"颜色": ["黑色", "米白", "樱花粉"], "尺码": SIZES[:4]},
        "price": (129, 459),
        "returns": (True, 7, None),
        "reviews": APPAREL_REVIEWS,
    },
    "卫衣": {
        "brands": ["森马", "李宁", "ONLY"],
        "names": ["加绒连帽卫衣 宽松", "圆领卫衣 基础款", "拉链开衫卫衣"],
        "specs": {"颜色": COLORS[:5], "尺码": SIZES},
        "price": (89, 299),
        "returns": (True, 7, None),
        "reviews": APPAREL_REVIEWS,
    },
    "鞋靴": {
        "brands": ["安踏", "回力", "李宁", "特步"],
        "names": ["帆布鞋 经典款", "老爹鞋 增高厚底", "马丁靴 短靴", "休闲板鞋 小白鞋"],
        "specs": {"颜色": ["黑色", "白色", "米色"], "尺码": SHOE_SIZES},
        "price": (99, 599),
        "returns": (True, 7, None),
        "reviews": SHOE_REVIEWS,
    },
    "手机": {
        "brands": ["小米", "华为", "OPPO", "vivo", "荣耀"],
        "names": [
            "5G智能手机 骁龙旗舰芯",
            "影像旗舰手机 长焦微距",
            "长续航大电池手机",
            "折叠屏手机",
        ],
        "specs": {
            "颜色": ["曜石黑", "冰川白", "远峰蓝"],
            "容量": ["8GB+256GB", "12GB+256GB", "16GB+512GB"],
        },
        "price": (1299, 6999),
        "returns": (True, 15, None),
        "reviews": PHONE_REVIEWS,
    },
    "耳机": {
        "brands": ["华为", "小米", "漫步者", "索尼"],
        "names": ["蓝牙耳机 Pro 主动降噪", "骨传导运动耳机", "头戴式降噪耳机", "半入耳式蓝牙耳机"],
        "specs": {"颜色": ["黑色", "白色"]},
        "price": (99, 1999),
        "returns": (True, 15, None),
        "reviews": HEADPHONE_REVIEWS,
    },
    "电脑配件": {
        "brands": ["罗技", "绿联", "雷柏"],
        "names": [
            "无线鼠标 静音办公",
            "机械键盘 青轴 RGB",
            "Type-C扩展坞 十合一",
            "笔记本支架 铝合金",
        ],
        "specs": {"颜色": ["黑色", "白色", "灰色"]},
        "price": (49, 699),
        "returns": (True, 7, None),
        "reviews": COMPUTER_ACCESSORY_REVIEWS,
    },
    "充值卡": {
        "brands": ["中国移动", "腾讯视频"],
        "names": ["话费充值卡 全国通用", "视频会员 年卡", "游戏点卡 100元"],
        "specs": {"面值": ["50元", "100元", "200元"]},
        "price": (50, 200),
        "returns": (False, 0, "virtual"),
        "reviews": VIRTUAL_REVIEWS,
        "kind": "virtual",
    },
    "杯具": {
        "brands": ["膳魔师", "苏泊尔", "象印", "乐扣乐扣"],
        "names": [
            "316不锈钢保温杯 500ml",
            "儿童保温杯 吸管款",
            "便携保温杯 大容量 1L",
            "真空保温杯 礼盒装",
            "陶瓷马克杯 带盖",
        ],
        "specs": {"颜色": ["黑色", "白色", "玫瑰金"], "容量": ["350ml", "500ml", "1L"]},
        "price": (39, 399),
        "returns": (True, 7, None),
        "reviews": CUP_REVIEWS,
    },
    "锅具": {
        "brands": ["苏泊尔", "爱仕达", "双立人"],
        "names": ["不粘锅 炒锅 32cm", "铸铁珐琅锅 炖锅", "电饭煲 4L 智能预约"],
        "specs": {"规格": ["28cm", "30cm", "32cm"]},
        "price": (89, 1299),
        "returns": (True, 7, None),
        "reviews": COOKWARE_REVIEWS,
    },
    "床品": {
        "brands": ["水星家纺", "罗莱", "富安娜"],
        "names": ["纯棉四件套 床单被套", "蚕丝被 冬被", "乳胶枕 护颈枕"],
        "specs": {"规格": ["1.5m床", "1.8m床", "2.0m床"], "颜色": ["浅灰", "米白", "雾蓝"]},
        "price": (99, 1599),
        "returns": (True, 7, None),
        "reviews": BEDDING_REVIEWS,
    },
    "收纳": {
        "brands": ["天马", "禧天龙"],
        "names": ["衣物收纳箱 可折叠", "桌面收纳盒 多格", "真空压缩袋 10件套"],
        "specs": {"规格": ["小号", "中号", "大号"]},
        "price": (19, 159),
        "returns": (True, 7, None),
        "reviews": STORAGE_REVIEWS,
    },
    "口红": {
        "brands": ["完美日记", "花西子", "迪奥", "YSL"],
        "names": ["丝绒哑光口红 显白", "滋润唇膏 保湿", "口红礼盒 三支装"],
        "specs": {"色号": ["#999 正红", "#520 豆沙", "#888 枫叶红", "#02 奶茶"]},
        "price": (59, 399),
        "returns": (True, 7, None),
        "reviews": LIPSTICK_REVIEWS,
    },
    "护肤": {
        "brands": ["珀莱雅", "兰蔻", "薇诺娜"],
        "names": ["玻尿酸补水面霜", "精华液 抗初老", "舒缓修护面膜 10片"],
        "specs": {"容量": ["30ml", "50ml", "100ml"]},
        "price": (79, 1199),
        "returns": (True, 7, None),
        "reviews": SKINCARE_REVIEWS,
    },
    "零食": {
        "brands": ["三只松鼠", "良品铺子", "百草味"],
        "names": ["每日坚果 30袋", "麻辣鸭脖 卤味", "牛肉干 手撕 内蒙古", "芒果干 果脯"],
        "specs": {"规格": ["单袋", "3袋装", "家庭装"]},
        "price": (19, 149),
        "returns": (False, 0, "perishable"),
        "reviews": SNACK_REVIEWS,
    },
    "茶饮": {
        "brands": ["西湖牌", "八马", "小罐茶"],
        "names": ["明前龙井 绿茶 250g", "安溪铁观音 浓香型", "云南普洱 熟茶饼"],
        "specs": {"规格": ["100g", "250g", "500g"]},
        "price": (59, 899),
        "returns": (False, 0, "perishable"),
        "reviews": TEA_REVIEWS,
    },
    "生鲜": {
        "brands": ["盒马", "百果园"],
        "names": ["智利车厘子 JJ级 2斤", "海南金钻凤梨 5斤", "鲜活大闸蟹 礼盒"],
        "specs": {"规格": ["2斤", "5斤"]},
        "price": (49, 399),
        "returns": (False, 0, "perishable"),
        "reviews": FRESH_REVIEWS,
    },
    "小说": {
        "brands": ["人民文学出版社", "新经典"],
        "names": ["三体 全集 刘慈欣", "活着 余华", "百年孤独 精装版", "平凡的世界 全三册"],
        "specs": {"版本": ["平装", "精装"]},
        "price": (29, 169),
        "returns": (True, 7, None),
        "reviews": BOOK_REVIEWS,
    },
    "计算机": {
        "brands": ["机械工业出版社", "人民邮电出版社"],
        "names": ["Python编程 从入门到实践", "深入理解计算机系统", "算法导论 第3版"],
        "specs": {"版本": ["平装", "精装"]},
        "price": (59, 159),
        "returns": (True, 7, None),
        "reviews": BOOK_REVIEWS,
    },
    "跑步": {
        "brands": ["安踏", "特步", "李宁"],
        "names": ["跑步鞋 碳板竞速", "运动速干裤", "运动腰包 防水"],
        "specs": {"颜色": ["黑色", "荧光绿", "白色"], "尺码": SHOE_SIZES[:4]},
        "price": (59, 899),
        "returns": (True, 15, None),
        "reviews": SPORT_REVIEWS,
    },
    "定制礼品": {
        "brands": ["创意工坊"],
        "names": ["定制刻字保温杯", "定制照片抱枕", "定制姓名钥匙扣"],
        "specs": {"款式": ["经典款", "礼盒款"]},
        "price": (39, 199),
        "returns": (False, 0, "customised"),
        "reviews": CUSTOM_GIFT_REVIEWS,
    },
}

PREFIXES = ["【官方旗舰】", "[2件装] ", "[限时] ", "【新品】", "【包邮】", "", "", "", ""]
SUFFIXES = ["", "", " 2026新款", " 送礼佳品", " 官方正品", " 爆款"]
# Large generated catalogues add some of these to names (earlier ones more often) and
# sometimes a model number (K58), so that searches there find anything from a handful
# of products to thousands.
MODIFIERS = [
    "加厚",
    "轻薄",
    "简约",
    "大容量",
    "升级款",
    "便携",
    "复古",
    "高颜值",
    "经典",
    "韩版",
    "学生",
    "商务",
    "网红同款",
    "国潮",
    "ins风",
    "家用",
    "情侣款",
    "静音",
    "Pro",
    "Max",
    "mini",
    "防水",
    "加大",
    "速干",
    "无线",
    "智能",
    "礼盒",
    "旗舰款",
    "限量版",
    "专业版",
]
MODEL_LETTERS = "AKSXZ"

DESCRIPTIONS = [
    "精选材质，做工细致，品质保证。",
    "官方正品，支持验货，假一赔十。",
    "多色可选，百搭实用，日常通勤都合适。",
    "48小时内发货，全国大部分地区包邮。",
    "老顾客回购率高，好评如潮。",
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"

PROMOTIONS = [
    {"type": "price_cut", "label_zh": "限时直降", "label_en": "Limited-time price cut"},
    {"type": "free_shipping", "label_zh": "包邮", "label_en": "Free shipping"},
    {
        "type": "coupon",
        "label_zh": "满199减20（领券）",
        "label_en": "¥20 off over ¥199 (claim coupon)",
    },
    {"type": "gift", "label_zh": "买就送赠品", "label_en": "Free gift with purchase"},
]

# province -> (base fen, free over fen or None, days min, days max)
SHIPPING: dict[str, tuple[int, int | None, int, int]] = {
    "*": (800, 9900, 2, 4),
    "浙江省": (600, 9900, 1, 2),
    "上海市": (600, 9900, 1, 2),
    "江苏省": (600, 9900, 1, 2),
    "新疆维吾尔自治区": (2000, 19900, 5, 9),
    "西藏自治区": (2500, 29900, 6, 10),
    "青海省": (1500, 19900, 4, 8),
    "内蒙古自治区": (1500, 19900, 4, 7),
    "宁夏回族自治区": (1200, 19900, 4, 7),
    "甘肃省": (1200, 19900, 4, 7),
}

# (kind, title zh, title en, threshold fen, discount fen, brand, valid days, claimable)
COUPONS: list[tuple[str, str, str, int, int, str | None, int, bool]] = [
    ("platform", "满199减20", "¥20 off over ¥199", 19900, 2000, None, 30, True),
    ("platform", "满99减10", "¥10 off over ¥99", 9900, 1000, None, 30, True),
    ("platform", "满299减40", "¥40 off over ¥299", 29900, 4000, None, 15, True),
    ("platform", "无门槛5元", "¥5 off, no minimum", 0, 500, None, 7, True),
    (
        "store",
        "膳魔师店铺券 满100减15",
        "Thermos store: ¥15 off over ¥100",
        10000,
        1500,
        "膳魔师",
        30,
        True,
    ),
    (
        "store",
        "小米店铺券 满1000减100",
        "Xiaomi store: ¥100 off over ¥1,000",
        100000,
        10000,
        "小米",
        30,
        True,
    ),
    (
        "store",
        "李宁店铺券 满200减30",
        "Li-Ning store: ¥30 off over ¥200",
        20000,
        3000,
        "李宁",
        30,
        True,
    ),
    ("new_user", "新人专享 满50减10", "New member: ¥10 off over ¥50", 5000, 1000, None, 30, False),
    ("check_in", "签到券 满30减3", "Check-in: ¥3 off over ¥30", 3000, 300, None, 7, False),
]

DEMO_PHONE = "13800138000"
DEMO_PASSWORD = "demo1234"
DEMO_PAYMENT_PASSWORD = "123456"
DEMO_BALANCE_FEN = 500000
DEMO_REAL_NAME = "张三"
DEMO_ID_FIRST17 = "33010619900307123"
DEMO_CARD_NUMBER = "6225880137706868"  # Luhn-valid test number; only last 4 are stored
DEMO_ADDRESS = {
    "name": "张三",
    "phone": DEMO_PHONE,
    "province": "浙江省",
    "city": "杭州市",
    "district": "西湖区",
    "detail": "文三路100号 3幢 501室",
}

# Services booked for a 2-hour slot (docs/api.md §7.1), seeded after the random catalogue
# so its product and SKU ids stay as they were: (leaf, brand, name, spec axis,
# [(spec value, price in yuan)], bookings one slot takes).
SERVICES: list[tuple[str, str, str, str, list[tuple[str, int]], int]] = [
    (
        "家电清洗",
        "啄木鸟家庭维修",
        "【上门服务】空调清洗 深度杀菌除螨",
        "类型",
        [("挂机", 89), ("柜机", 139)],
        3,
    ),
    (
        "家电清洗",
        "58到家",
        "油烟机清洗 免拆深度清洁",
        "类型",
        [("侧吸式", 129), ("顶吸式", 159)],
        2,
    ),
    ("家电清洗", "天鹅到家", "洗衣机清洗 拆洗除菌", "类型", [("波轮", 99), ("滚筒", 129)], 2),
    ("家电清洗", "58到家", "冰箱清洗 除味消毒", "规格", [("单门/双门", 79), ("对开门", 119)], 1),
    (
        "上门安装",
        "啄木鸟家庭维修",
        "【上门服务】电视挂架安装 含打孔",
        "尺寸",
        [("55英寸以下", 80), ("55-75英寸", 120), ("75英寸以上", 180)],
        2,
    ),
    ("上门安装", "58到家", "家具组装 衣柜/床/书桌", "件数", [("1件", 99), ("2-3件", 199)], 2),
    (
        "上门安装",
        "啄木鸟家庭维修",
        "智能门锁安装 含调试",
        "门型",
        [("普通防盗门", 150), ("特殊门型", 220)],
        1,
    ),
    ("上门安装", "天鹅到家", "灯具安装 吸顶灯/吊灯", "数量", [("1盏", 60), ("3盏以内", 150)], 3),
    ("家政服务", "天鹅到家", "日常保洁 上门家政", "时长", [("3小时", 129), ("4小时", 169)], 3),
    ("家政服务", "58到家", "开荒保洁 新房", "面积", [("90㎡以内", 499), ("90-140㎡", 799)], 1),
    (
        "家政服务",
        "天鹅到家",
        "深度保洁 厨房+卫生间",
        "范围",
        [("厨房", 199), ("卫生间", 169), ("厨卫套餐", 339)],
        2,
    ),
    ("家政服务", "58到家", "擦玻璃 全屋窗户", "面积", [("60㎡以内", 159), ("60-120㎡", 259)], 2),
]
SERVICE_DESCRIPTION = (
    "预约上门，师傅持证上岗，服务后满意再确认。服务开始前 24 小时可免费取消或改约一次。"
)
SERVICE_STOCK = 999
