"""Names for the demo: the 西湖区 registry, invented people, units, places and problem texts.

The eleven streets/towns are Xihu district's real administrative units; every community,
village, estate and person below is invented (plausible, not taken from any article).
"""

from __future__ import annotations

import random

DISTRICT = "西湖区"

# street → (short code for ledger ids, community stems, village stems). 138 社区 + 13 村.
STREETS: dict[str, tuple[str, list[str], list[str]]] = {
    "南浦街道": ("NP", ["南浦", "孺子路", "象山北路", "中山西路", "船山路", "抚河北路", "翠花街",
                      "洗马池", "瓦子角", "环湖路", "叠山路", "子固路", "醋巷", "大士院"], []),
    "朝阳洲街道": ("CY", ["朝阳洲", "朝阳新城", "沿江中大道", "抚生路", "桃苑新村", "云锦路",
                       "西站大街", "朝农", "九洲", "凤凰洲", "赣江南", "洪城佳园", "碟子湖",
                       "朝阳一路", "沿河路"], []),
    "广润门街道": ("GR", ["广润门", "翘步街", "筷子巷", "棕帽巷", "萝卜市", "中山桥", "胜利路",
                       "直冲巷", "铁街", "渊明路", "谌家巷"], []),
    "南站街道": ("NZ", ["南站", "洪城路", "站前西路", "井冈山大道", "坛子口", "贤士湖", "铁路一村",
                      "铁路二村", "铁路三村", "铁路五村", "解放西路", "都司前", "老福山",
                      "二七南路", "徐家坊", "站前南路"], []),
    "系马桩街道": ("XM", ["系马桩", "榕门路", "后墙路", "蓼洲街", "西书院", "章江路", "抚河中路",
                       "南昌桥", "惠民门", "进外街", "里洲", "洪恩桥"], []),
    "绳金塔街道": ("SJ", ["绳金塔", "进贤门", "塔下", "船山南路", "金塔南", "孺子亭", "永叔路",
                       "疏山路", "灌婴路", "豫章路", "羊子巷", "渊明南路", "桃花巷"], []),
    "十字街街道": ("SZ", ["十字街", "三眼井", "友竹路", "万寿宫", "珠宝街", "合同巷", "嫁妆街",
                       "棉花市", "瓦子巷", "磨子巷", "糖坊巷", "塘子巷"], []),
    "西湖街道": ("XH", ["西湖", "濠上", "丰和", "子羽", "苏圃", "书院街", "水厂路", "东书院",
                      "松柏巷", "新溪桥", "杨家厂", "抚河南", "狮子巷", "荷花池"], []),
    "丁公路街道": ("DG", ["丁公路", "南京西路", "三经路", "邮政路", "贤士花园", "江大南路",
                       "洪都北路", "下沙窝", "丁公北路", "省建", "青蓝", "顺化门", "贤士一路"], []),
    "桃源街道": ("TY", ["桃源", "桃苑西", "桃竹", "龙兴", "育新", "金沙", "三店", "庆丰", "新建里",
                      "罗家塘", "抚生南", "赣昌"], []),
    "桃花镇": ("TH", ["桃花新城", "幸福", "长征", "白沙", "丰和南", "洪西"],
             ["渡头", "新洲", "湖坊", "南莲", "朱桥", "万家", "龙潭", "熊家", "谢埠", "梁家",
              "车头", "沙井", "岗上"]),
}


def registry() -> list[tuple[str, str, str, str]]:
    """Every area of the demo registry as (district, street, community, kind)."""
    rows = []
    for street, (_, communities, villages) in STREETS.items():
        rows += [(DISTRICT, street, f"{stem}社区", "社区") for stem in communities]
        rows += [(DISTRICT, street, f"{stem}村", "村") for stem in villages]
    return rows


def registry_with_groups() -> list[tuple[str, str, str, str, str]]:
    """The registry with each community's service group (服务团); one in twelve has none yet."""
    return [(*row, "" if i % 12 == 5 else f"{row[2]}服务团") for i, row in enumerate(registry())]


# Invented people: surname + one or two given-name characters, all in GBK.
SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝"
    "龚邵万严覃戴莫孔向汤涂聂喻"
)
GIVEN = list(
    "建国华明丽芳军伟敏静勇艳杰娟涛超霞平刚桂英玉兰秀红春海燕斌鹏辉宇浩凯琳晨欣佳慧志强文亮"
    "俊峰磊婷雪梅云清新德林雨思子晓金永荣启荷涵泽卫东南北宏远振兴润"
)


def invent_name(rng: random.Random, taken: set[str]) -> str:
    """A new invented Chinese name (surname + 1–2 characters) not in `taken`; adds it."""
    while True:
        given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2, 2))))
        name = rng.choice(SURNAMES) + given
        if name not in taken:
            taken.add(name)
            return name


LEAD_TITLES = ["街道党工委书记", "街道办事处主任", "街道党工委副书记", "街道办事处副主任",
               "街道人大工委主任", "街道武装部长", "街道纪工委书记"]
DISTRICT_LEAD_TITLES = ["区委常委", "副区长", "区人大常委会副主任", "区政协副主席"]
DEPUTY_TITLES = {"区人大代表": "西湖区人大常委会", "市人大代表": "南昌市人大常委会", "区政协委员": "西湖区政协"}

# Units that take on cases, with the categories they usually handle.
UNITS = {
    "区城管局": ["道路交通", "环境卫生", "停车难", "市政设施"],
    "区住建局": ["物业管理", "老旧小区改造", "道路交通"],
    "区民政局": ["养老服务"],
    "公安西湖分局交警大队": ["道路交通", "停车难"],
    "区市场监管局": ["环境卫生", "物业管理"],
    "区老旧小区改造办": ["老旧小区改造"],
    "区园林绿化所": ["市政设施", "环境卫生"],
    "水务集团西湖供水所": ["市政设施"],
    "供电公司西湖供电部": ["市政设施"],
    "街道城管办": ["环境卫生", "停车难", "市政设施"],
    "街道社会事务办": ["养老服务", "邻里纠纷"],
    "街道司法所": ["邻里纠纷"],
    "社区居委会": ["邻里纠纷", "物业管理", "养老服务", "环境卫生"],
}

# category → (weight, matter classes with weights, title templates).
# {estate} a housing estate or village group, {road} a road, {n} a building number.
CATEGORIES: dict[str, tuple[int, dict[str, int], list[str]]] = {
    "道路交通": (13, {"大事": 3, "小事": 7}, [
        "{road}路口红绿灯时长过短，老人过街不安全", "{road}人行道破损，雨天积水",
        "{estate}出口缺少减速带", "{road}公交站台缺少遮雨棚", "{road}早晚高峰拥堵，需增设导流线"]),
    "环境卫生": (15, {"小事": 9, "大事": 1}, [
        "{estate}{n}栋楼下垃圾清运不及时", "{road}沿街餐馆油烟扰民", "{estate}化粪池堵塞外溢",
        "{road}背街小巷卫生死角无人清扫", "{estate}{n}栋楼道小广告多"]),
    "物业管理": (14, {"小事": 6, "大事": 2, "私事": 2}, [
        "{estate}{n}栋楼道灯长期不亮", "{estate}{n}栋电梯频繁故障", "{estate}物业费收支不公开",
        "{estate}{n}栋屋面漏水物业不维修", "{estate}无物业管理，需引入物业"]),
    "停车难": (10, {"小事": 6, "大事": 4}, [
        "{estate}周边停车位不足，夜间乱停", "{road}占道停车影响通行",
        "申请在{estate}增设电动车充电桩", "{estate}{n}栋门口僵尸车长期占位"]),
    "老旧小区改造": (10, {"大事": 7, "小事": 3}, [
        "{estate}{n}栋外墙脱落存在安全隐患", "{estate}雨污分流改造进度慢",
        "{estate}{n}栋加装电梯意见不统一", "{estate}改造后路面不平", "{estate}{n}栋管网老化漏水"]),
    "养老服务": (9, {"小事": 6, "私事": 4}, [
        "{estate}高龄老人助餐需求", "社区长者食堂就餐排队时间长", "{estate}{n}栋独居老人需定期探访",
        "申请在{estate}{n}栋楼道加装扶手", "{estate}缺少老年活动场所"]),
    "邻里纠纷": (9, {"私事": 7, "小事": 3}, [
        "{estate}{n}栋楼上漏水引发邻里矛盾", "{estate}{n}栋楼道堆放杂物邻里争执",
        "{estate}{n}栋宠物扰民", "{estate}{n}栋装修噪音扰民", "{estate}{n}栋空调外机位置纠纷"]),
    "市政设施": (14, {"小事": 8, "大事": 2}, [
        "{road}路灯不亮", "{road}井盖缺失", "{estate}{n}栋供水水压低",
        "{road}行道树遮挡居民采光", "{estate}燃气管道老化", "{road}排水不畅，雨后内涝"]),
    "其他": (6, {"小事": 5, "私事": 5}, [
        "{estate}附近缺少托育点", "{estate}门禁损坏外来人员随意进出", "咨询{estate}房屋产权办理",
        "{estate}{n}栋申请安装监控"]),
}

ROADS = ["孺子路", "象山南路", "中山路", "船山路", "抚河中路", "井冈山大道", "洪城路", "站前路",
         "丁公路", "南京西路", "桃花南路", "朝阳中路", "沿江南大道", "广场南路", "西站大街",
         "云锦路", "三眼井街", "灌婴路", "系马桩街", "翠花街"]
ESTATE_STEMS = ["阳光花园", "建设新村", "邮电宿舍", "粮食局宿舍", "棉纺厂宿舍", "电力宿舍",
                "锦绣华庭", "翠林苑", "丰和家园", "桂花园", "教师新村", "幸福里", "和平里",
                "工人新村", "南苑小区", "金色家园", "广电宿舍", "商业局宿舍", "春晖苑", "红星小区"]
