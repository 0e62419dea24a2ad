"""Default registration (立案) and closing (结案) conditions shown to operators, per matter class.

These are local practice, not standard text: a short default per major class, and a few class-specific
texts where the common cases need a threshold. Administrators edit them per class afterwards; a re-import
of the catalogue never overwrites a class whose conditions are already filled in.
"""

from __future__ import annotations

# major code → (立案 condition, 结案 condition), for matter classes.
MAJOR_CONDITIONS: dict[str, tuple[str, str]] = {
    "01": ("市政公用设施破损、缺失、移位或功能异常，经核实属实", "设施修复或更换完成，功能恢复正常，现场无安全隐患"),
    "02": ("交通设施破损、缺失、倾斜或功能异常，影响通行或安全", "交通设施修复或更换完成，恢复正常使用"),
    "03": ("市容环卫设施破损、缺失、满溢或功能异常", "设施修复、清理或更换完成，恢复正常使用"),
    "04": ("园林绿化设施破损、缺失、倒伏或长势异常，影响景观或安全", "设施修复、补植或清理完成，恢复绿化景观"),
    "05": ("管理部件破损、缺失或功能异常，经核实属实", "部件修复或更换完成，恢复正常"),
    "06": ("影响市容环境卫生的问题，经核实属实且位于责任区内", "问题处理完毕，现场整洁，无残留"),
    "07": ("违规广告、标语、宣传品影响市容，经核实属实", "违规广告或宣传品已清除或整改到位"),
    "08": ("施工作业违反管理规定，影响市容、环境或通行", "施工问题整改到位，现场恢复规范"),
    "09": ("街面秩序问题影响通行或市容，经核实属实", "违规行为已劝离或整改，街面恢复有序"),
    "10": ("影响城市运行或公共安全的其他问题，经核实属实", "问题处理完毕，恢复正常，无安全隐患"),
}

# matter code → conditions where the major-class default is too vague.
CLASS_CONDITIONS: dict[str, tuple[str, str]] = {
    "01001": ("井盖丢失、破损、移位或凹凸不平，存在安全隐患", "井盖补齐或更换完成，安装平稳，现场安全"),
    "01002": ("井盖丢失、破损、移位或凹凸不平，存在安全隐患", "井盖补齐或更换完成，安装平稳，现场安全"),
    "01003": ("井盖丢失、破损、移位或凹凸不平，存在安全隐患", "井盖补齐或更换完成，安装平稳，现场安全"),
    "06010": ("暴露垃圾面积≥0.5平方米或影响市容", "垃圾清理干净，现场无残留"),
    "06011": ("积存垃圾渣土体积≥0.5立方米或影响市容", "垃圾渣土清运完毕，现场无残留"),
    "06012": ("道路存在明显污物、积水或垃圾，面积≥1平方米", "路面清扫保洁完成，无明显污物"),
    "06014": ("道路遗撒长度≥5米或影响通行", "遗撒物清理干净，路面恢复整洁"),
    "06017": ("绿地内垃圾杂物面积≥0.5平方米或影响景观", "绿地清理干净，无垃圾杂物"),
    "06042": ("垃圾站（箱）满溢，垃圾散落于外", "垃圾清运完毕，站（箱）周边整洁"),
    "07001": ("小广告张贴、涂写或喷涂≥1处", "小广告清除干净，无残留痕迹"),
    "09006": ("占用道路从事经营活动，影响通行或市容", "占道经营已清理，道路恢复畅通"),
    "09009": ("机动车违规停放占用人行道或影响通行", "违停车辆驶离或被依法处理，通行恢复"),
    "10001": ("道路积雪、结冰影响车辆或行人安全", "积雪清除或结冰处置完成，道路可安全通行"),
}


def default_conditions(kind: str, code: str, major_code: str) -> tuple[str, str]:
    """(立案, 结案) default conditions for a class; components get none (cases are filed against matters)."""
    if kind != "matter":
        return "", ""
    return CLASS_CONDITIONS.get(code) or MAJOR_CONDITIONS.get(major_code, ("", ""))
