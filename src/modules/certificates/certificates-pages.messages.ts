import { defineMessages } from '../../kernel/i18n/index.ts';

/** Words of the certificate pages: public verification, a shared link, and the holder's wallet. */
export const certificatesPageMessages = defineMessages(
  {
    'verify.title': '核验电子证照',
    'verify.lead':
      '输入证照上的编号，或用手机扫描证照上的二维码，即可查验这份证照是否由本平台签发、现在是否有效。查验不需要登录。',
    'verify.number': '证照编号',
    'verify.numberHint': '印在证照右上方，例如 JY-2026-0000001-K。大小写和空格不影响查验。',
    'verify.submit': '核验',
    'verify.problem': '有需要修改的地方',
    'verify.numberMissing': '请输入证照编号',
    'verify.numberTooLong': '证照编号不超过 {max} 个字符，请核对后重新输入',
    'verify.codeInvalid': '二维码内容无法读取。请重新扫描，或在下面输入证照编号',
    'verify.again': '核验另一份证照',
    'verify.result': '核验结果',
    'verify.checkedAt': '核验时间',
    'status.valid': '有效',
    'status.revoked': '已注销',
    'status.expired': '已过期',
    'status.unknown': '查无此证',
    'status.tampered': '内容被改动',
    'result.valid.title': '这份证照真实有效',
    'result.valid.body':
      '它由{issuer}签发，内容与签发时一致，目前有效。请核对下面的内容与您看到的证照是否一致，特别是持证人的姓名。',
    'result.revoked.title': '这份证照已被注销，不再有效',
    'result.revoked.body':
      '它确实由{issuer}签发，但已于 {date} 注销。请不要再把它当作有效证照接受。如果您是持证人，请联系签发机关。',
    'result.revoked.reason': '注销原因：{reason}',
    'result.revoked.replaced': '它已被新证照取代：{number}。请向持证人索取新证照。',
    'result.revoked.checkNew': '核验新证照 {number}',
    'result.expired.title': '这份证照已过有效期',
    'result.expired.body':
      '它确实由{issuer}签发，但有效期到 {date} 为止，现在已经不再有效。请向持证人索取有效的证照；持证人可以向签发机关申请延续。',
    'result.unknown.title': '查不到这份证照',
    'result.unknown.not-issued':
      '本平台没有签发过这个编号的证照。请先核对编号是否输入正确；如果编号无误，这份证照可能是伪造的。',
    'result.unknown.unknown-key': '这个二维码不是本平台签发的。这份证照可能是伪造的，或者由其他地方签发。',
    'result.unknown.malformed': '二维码的内容无法读取。请重新扫描，或在下面输入证照上的编号。',
    'result.unknown.superseded-credential':
      '这个二维码与本平台登记的证照不一致。请在下面输入证照上的编号，查看登记的证照。',
    'result.unknown.other': '本平台查不到这份证照。',
    'result.unknown.advice':
      '在弄清楚之前，请不要把它当作有效证照接受。有疑问可拨打 12345 政务服务热线，或联系证照上写的签发机关。',
    'result.tampered.title': '这份证照的内容被改动过',
    'result.tampered.body':
      '二维码里的电子签名与内容对不上：签发之后有人改动过它。请不要接受这份证照，也不要相信上面的内容。',
    'result.tampered.advice': '您可以拨打 12345 政务服务热线举报，或输入证照编号查看本平台登记的真实内容。',
    'certificate.title': '证照内容',
    'certificate.lead': '以下是证照上显示的内容。持证人的证件号码只显示前 6 位和后 4 位。',
    'certificate.type': '证照名称',
    'certificate.number': '证照编号',
    'certificate.holder': '持证人',
    'certificate.holderId': '持证人证件号码',
    'certificate.issuedOn': '发证日期',
    'certificate.validUntil': '有效期至',
    'certificate.longTerm': '长期',
    'certificate.issuer': '发证机关',
    'certificate.status': '状态',
    'certificate.empty': '—',
    'shared.title': '持证人出示的电子证照',
    'shared.lead': '持证人通过链接向您出示了这份证照。本页由平台实时核验，显示证照现在的状态。',
    'shared.gone.title': '链接已失效',
    'shared.gone.body': '这个出示链接已经过期，或者并不存在。持证人出示证照的链接只在他们选定的天数内有效。',
    'shared.gone.next': '请向持证人索取新的链接；如果您知道证照编号，也可以直接核验：',
    'wallet.title': '我的电子证照',
    'wallet.lead':
      '这里是发给您（以及您受委托代办的单位）的电子证照。它们与纸质证照具有同等效力：可以下载 PDF 打印，也可以生成一个限时链接出示给需要查看的人。',
    'wallet.empty.title': '您还没有电子证照',
    'wallet.empty.body':
      '办理的事项获批后，相应的电子证照会自动发放到这里，例如“开办餐饮店”获批后的食品经营许可证。部门也可以为您签发证照。',
    'wallet.empty.cases': '查看我的办件',
    'wallet.download': '下载 PDF',
    'wallet.verifyLink': '公开核验页面',
    'wallet.share.title': '出示这份证照',
    'wallet.share.lead':
      '生成一个链接发给需要查看的人（例如房东、合作方）。对方打开即可看到核验结果，无需登录。',
    'wallet.share.days': '链接有效天数',
    'wallet.share.dayOption': '{n} 天',
    'wallet.share.oneDay': '1 天',
    'wallet.share.submit': '生成出示链接',
    'wallet.share.daysInvalid': '请选择 1 到 {max} 天',
    'wallet.share.problem': '有需要修改的地方',
    'share.done.title': '出示链接已生成',
    'share.done.certificate': '证照',
    'share.done.expires': '链接有效期至',
    'share.done.url': '出示链接',
    'share.done.urlHint': '选中并复制这个链接，发给需要查看证照的人。',
    'share.done.once':
      '这个链接只显示这一次，请现在复制保存。任何拿到链接的人都能在有效期内看到这份证照（证件号码已遮蔽），请只发给需要的人。',
    'share.done.open': '打开链接，看看对方会看到什么',
    'share.done.back': '返回我的电子证照',
  },
  {
    'verify.title': 'Check a certificate',
    'verify.lead':
      'Enter the number printed on the certificate, or scan its QR code with your phone, to check that this platform issued it and that it is still valid. You do not need to sign in.',
    'verify.number': 'Certificate number',
    'verify.numberHint':
      'Printed at the top right of the certificate, for example JY-2026-0000001-K. Capitals and spaces do not matter.',
    'verify.submit': 'Check',
    'verify.problem': 'There is a problem',
    'verify.numberMissing': 'Enter the certificate number',
    'verify.numberTooLong': 'A certificate number has at most {max} characters: check it and enter it again',
    'verify.codeInvalid':
      'The QR code could not be read. Scan it again, or enter the certificate number below',
    'verify.again': 'Check another certificate',
    'verify.result': 'Result',
    'verify.checkedAt': 'Checked at',
    'status.valid': 'Valid',
    'status.revoked': 'Revoked',
    'status.expired': 'Expired',
    'status.unknown': 'Not found',
    'status.tampered': 'Altered',
    'result.valid.title': 'This certificate is genuine and valid',
    'result.valid.body':
      '{issuer} issued it, its content is as issued, and it is valid today. Check that what is shown below matches the certificate you were given, especially the holder’s name.',
    'result.revoked.title': 'This certificate has been revoked and is no longer valid',
    'result.revoked.body':
      '{issuer} did issue it, but revoked it on {date}. Do not accept it as a valid certificate. If you are the holder, contact the issuing authority.',
    'result.revoked.reason': 'Reason for revoking it: {reason}',
    'result.revoked.replaced': 'A new certificate replaced it: {number}. Ask the holder for the new one.',
    'result.revoked.checkNew': 'Check the new certificate {number}',
    'result.expired.title': 'This certificate has expired',
    'result.expired.body':
      '{issuer} did issue it, but it was valid only until {date} and is no longer valid. Ask the holder for a valid certificate; the holder can apply to the issuing authority to renew it.',
    'result.unknown.title': 'We cannot find this certificate',
    'result.unknown.not-issued':
      'This platform has not issued a certificate with this number. First check that you typed the number correctly; if it is right, the certificate may be forged.',
    'result.unknown.unknown-key':
      'This QR code was not issued by this platform. The certificate may be forged, or issued somewhere else.',
    'result.unknown.malformed':
      'The content of the QR code could not be read. Scan it again, or enter the number printed on the certificate below.',
    'result.unknown.superseded-credential':
      'This QR code does not match the certificate this platform holds under that number. Enter the number printed on the certificate below to see the one on record.',
    'result.unknown.other': 'This platform cannot find this certificate.',
    'result.unknown.advice':
      'Until this is cleared up, do not accept it as a valid certificate. If in doubt, call the 12345 government service hotline, or contact the issuing authority named on the certificate.',
    'result.tampered.title': 'This certificate has been altered',
    'result.tampered.body':
      'The electronic signature in the QR code does not match its content: someone changed it after it was issued. Do not accept this certificate, and do not rely on what it says.',
    'result.tampered.advice':
      'You can report it to the 12345 government service hotline, or enter the certificate number to see what this platform has on record.',
    'certificate.title': 'What the certificate shows',
    'certificate.lead':
      'This is what the certificate shows. Only the first 6 and last 4 characters of the holder’s ID number are shown.',
    'certificate.type': 'Certificate',
    'certificate.number': 'Certificate number',
    'certificate.holder': 'Holder',
    'certificate.holderId': 'Holder’s ID number',
    'certificate.issuedOn': 'Issued on',
    'certificate.validUntil': 'Valid until',
    'certificate.longTerm': 'Long-term (no expiry)',
    'certificate.issuer': 'Issuing authority',
    'certificate.status': 'Status',
    'certificate.empty': '—',
    'shared.title': 'A certificate its holder shared with you',
    'shared.lead':
      'The holder sent you this link to show you their certificate. This platform checks it now, and shows where it stands today.',
    'shared.gone.title': 'This link no longer works',
    'shared.gone.body':
      'This sharing link has expired, or never existed. A holder’s sharing link works only for the number of days they chose.',
    'shared.gone.next':
      'Ask the holder for a new link. If you know the certificate number, you can also check it here:',
    'wallet.title': 'My certificates',
    'wallet.lead':
      'These are the electronic certificates issued to you (and to organisations you act for under a mandate). They count the same as paper ones: download the PDF to print, or make a time-limited link to show someone who needs to see one.',
    'wallet.empty.title': 'You have no certificates yet',
    'wallet.empty.body':
      'When an application of yours is approved, the certificate it leads to appears here by itself — for example the food business licence when “Open a restaurant” is approved. A department can also issue one to you.',
    'wallet.empty.cases': 'See my cases',
    'wallet.download': 'Download the PDF',
    'wallet.verifyLink': 'Public check page',
    'wallet.share.title': 'Show this certificate',
    'wallet.share.lead':
      'Make a link to send to someone who needs to see it (a landlord, a business partner). They see it checked, without signing in.',
    'wallet.share.days': 'How many days the link works',
    'wallet.share.dayOption': '{n} days',
    'wallet.share.oneDay': '1 day',
    'wallet.share.submit': 'Make a sharing link',
    'wallet.share.daysInvalid': 'Choose from 1 to {max} days',
    'wallet.share.problem': 'There is a problem',
    'share.done.title': 'Sharing link made',
    'share.done.certificate': 'Certificate',
    'share.done.expires': 'The link works until',
    'share.done.url': 'Sharing link',
    'share.done.urlHint': 'Select and copy this link, and send it to whoever needs to see the certificate.',
    'share.done.once':
      'This link is shown only this once: copy it now. Anyone who has it can see this certificate (with the ID number masked) until it expires, so send it only to those who need it.',
    'share.done.open': 'Open the link to see what they will see',
    'share.done.back': 'Back to my certificates',
  },
);
