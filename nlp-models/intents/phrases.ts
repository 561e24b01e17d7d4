/** What a resident can mean by a short message, besides describing a problem. */
export const INTENTS = [
  'greet', 'report', 'status', 'my_cases', 'handoff', 'help', 'cancel', 'back',
  'confirm', 'deny', 'thanks', 'lang_zh', 'lang_en', 'out_of_scope', 'service',
] as const;
export type Intent = (typeof INTENTS)[number];

/**
 * Simple questions about the service, each answered by the text `service.<question>` (core/i18n).
 * The one table of them: a new question is a row here and its answer in both language files.
 */
export const SERVICE_QUESTIONS = {
  about: ['你们是干什么的', '你们是做什么的', '你们是谁', '这是什么', '这是什么平台', '这是哪里', '这个平台是干什么的', 'what is this', 'what do you do', 'what is tingmin', 'what is this service', 'who are you people'],
  how: ['怎么反映问题', '如何反映问题', '怎么反映', '怎么留言', '如何留言', '怎么投诉', '怎么提交', 'how do i report', 'how to report', 'how do i complain', 'how can i report a problem'],
  duration: ['要多久', '需要多久', '多久能办好', '多久能解决', '多长时间', '多久有结果', '几天能办好', '什么时候能处理', 'how long', 'how long does it take', 'when will it be handled', 'how long will it take'],
} as const satisfies Record<string, readonly string[]>;
export type ServiceQuestion = keyof typeof SERVICE_QUESTIONS;

/**
 * How residents say each intent, in Chinese and English (lower case, simplified). Data, not code:
 * add a phrase here when a real conversation shows one that was missed.
 */
export const PHRASES: Record<Intent, string[]> = {
  greet: ['你好', '您好', '嗨', '哈喽', '在吗', '在么', '在不在', '有人吗', '菜单', '开始', '早上好', '晚上好', 'hi', 'hello', 'hey', 'menu', 'start', '/start', 'good morning', 'good evening'],
  report: ['反映问题', '我要反映', '反映情况', '投诉', '我要投诉', '举报', '我要举报', '留言', '我要留言', '提建议', 'report', 'report a problem', 'complaint', 'make a complaint', 'file a complaint'],
  status: ['查询进度', '查询', '查进度', '进度', '办理进度', '查一下进度', '处理得怎么样了', '办得怎么样了', 'check progress', 'status', 'progress', 'check status', 'track my case'],
  my_cases: ['我的案件', '我的留言', '我的投诉', '我的反映', '我反映的问题', 'my cases', 'my case', 'my reports', 'my complaints'],
  handoff: ['转人工', '人工', '人工服务', '人工客服', '找人工', '真人', '找工作人员', '联系工作人员', '客服', 'human', 'agent', 'talk to a person', 'talk to a human', 'real person', 'operator'],
  help: ['帮助', '怎么用', '使用说明', '说明', '不会用', '?', '？', 'help', '/help', 'how does this work', 'instructions'],
  cancel: ['取消', '算了', '不报了', '不想报了', '不反映了', '不要了', '撤销', 'cancel', '/cancel', 'forget it', 'never mind', 'stop'],
  back: ['返回', '上一步', '回到上一步', '退回', 'back', 'go back', 'previous'],
  confirm: ['确认', '确认提交', '提交', '确定', '是', '是的', '对', '对的', '没错', '好', '好的', '可以', '行', '没问题', 'yes', 'y', 'ok', 'okay', 'sure', 'submit', 'confirm', 'correct', 'right'],
  deny: ['跳过', '不是', '不对', '不留', '不用', '不想留', '不方便', '无', '没有', '不', '否', 'no', 'n', 'nope', 'skip', 'none', 'not now', 'wrong'],
  thanks: ['谢谢', '多谢', '感谢', '谢了', '辛苦了', '谢谢你们', 'thanks', 'thank you', 'thx', 'ty', 'many thanks'],
  lang_zh: ['中文', '简体中文', '汉语', '说中文', 'chinese', '切换中文'],
  lang_en: ['english', '英文', '英语', '说英文', 'in english', 'switch to english'],
  service: Object.values(SERVICE_QUESTIONS).flat(),
  out_of_scope: ['今天天气怎么样', '天气', '讲个笑话', '笑话', '你是谁', '你叫什么', '几点了', '你是机器人吗', 'what is the weather', 'weather', 'tell me a joke', 'who are you', 'what time is it', 'are you a robot'],
};

/** Polite padding that does not change what a short message means. */
export const FILLERS = ['请问', '请', '帮我', '麻烦', '我要', '我想', '我想要', '给我', '一下', '吧', '呢', '啊', '呀', '哦', '了', 'please', 'pls', 'plz', 'i want to', 'i want', "i'd like to", 'can i', 'can you'];
