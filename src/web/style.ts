/** The one stylesheet of the web pages: mobile first, system fonts, no images. */
export const css = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif;color:#1d2433;background:#f3f5f8}
a{color:#0b5cad}
header.bar{display:flex;justify-content:space-between;align-items:center;padding:.6rem 1rem;background:#13233f;color:#fff}
header.bar a{color:#cfe0ff;margin-left:.6rem}
.logo{font-weight:700;letter-spacing:.02em}
.panel{background:#fff;border-radius:10px;box-shadow:0 1px 3px rgba(0,0,0,.08);padding:1rem;margin:1rem auto;max-width:30rem}
.wide{max-width:72rem}
.summary .merchant{font-weight:600;font-size:1.05rem;margin:0}
.summary p{margin:.2rem 0}
.amount{font-size:1.8rem;font-weight:700;margin:.4rem 0}
.muted,.summary .order{color:#5b6578;font-size:.9rem}
.converted{color:#5b6578}
.tabs{display:flex;flex-wrap:wrap;gap:.4rem;margin:.8rem 0}
.tabs button{flex:1 1 auto;background:#eef2f7;color:#1d2433;border:1px solid #d5dce6}
.tabs button[aria-selected=true]{background:#13233f;color:#fff;border-color:#13233f}
label{display:block;font-size:.9rem;margin:.6rem 0 .2rem}
input,select{width:100%;font:inherit;padding:.55rem .6rem;border:1px solid #c4ccd8;border-radius:6px;background:#fff}
input[aria-invalid=true]{border-color:#c62828}
.row{display:flex;gap:.6rem}.row>div{flex:1}
.pan{position:relative}
.badge{position:absolute;right:.5rem;top:.45rem;font-size:.75rem;font-weight:700;text-transform:uppercase;background:#eef2f7;border-radius:4px;padding:.15rem .35rem}
.badge:empty{display:none}
.err{color:#c62828;font-size:.85rem;margin:.2rem 0 0;min-height:1em}
button{font:inherit;padding:.6rem 1rem;border:0;border-radius:6px;background:#0b5cad;color:#fff;cursor:pointer}
button:disabled{opacity:.6;cursor:wait}
.primary{width:100%;margin-top:1rem;font-weight:600}
.msg{padding:.6rem .8rem;border-radius:6px;margin:.6rem 0;background:#fdecea;color:#8a1c1c}
.msg.ok{background:#e7f6ec;color:#17602f}
.qr{text-align:center}.qr img{width:220px;height:220px;image-rendering:pixelated}
.small{font-size:.8rem;color:#5b6578}
nav.side a{display:inline-block;margin:0 .8rem .4rem 0;font-weight:600;text-decoration:none}
nav.side a.on{text-decoration:underline}
table{border-collapse:collapse;width:100%;font-size:.88rem}
th,td{text-align:left;padding:.35rem .4rem;border-bottom:1px solid #e4e8ef;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.scroll{overflow-x:auto}
.filters{display:grid;grid-template-columns:repeat(auto-fill,minmax(9rem,1fr));gap:.5rem;align-items:end}
.filters label{margin:0}
.cards{display:flex;flex-wrap:wrap;gap:.6rem}.cards>div{background:#f6f8fb;border-radius:8px;padding:.6rem .8rem;min-width:10rem}
.big{font-size:1.3rem;font-weight:700}
.status{font-size:.78rem;padding:.1rem .4rem;border-radius:9px;background:#eef2f7;white-space:nowrap}
.status.succeeded,.status.ok{background:#e7f6ec;color:#17602f}
.status.failed,.status.canceled,.status.fail{background:#fdecea;color:#8a1c1c}
.legend span{display:inline-block;margin-right:.8rem;font-size:.8rem}
.legend i{display:inline-block;width:.7rem;height:.7rem;margin-right:.25rem;border-radius:2px}
h2{font-size:1.1rem;margin:.2rem 0 .6rem}
h3{font-size:1rem;margin:1rem 0 .4rem}
#volume-chart svg{max-height:200px}
pre{white-space:pre-wrap;word-break:break-all;font-size:.8rem;background:#f6f8fb;padding:.5rem}
.fx{border:1px solid #d5dce6;border-radius:6px;margin:.8rem 0 0;padding:.2rem .8rem .5rem}.fx legend{font-size:.85rem;color:#5b6578}.fx label{display:flex;gap:.5rem;align-items:center}.fx input{width:auto}
[hidden]{display:none!important}
.steps{display:flex;list-style:none;padding:0;margin:.8rem 0;counter-reset:s}
.steps li{flex:1;text-align:center;font-size:.82rem;color:#5b6578;position:relative;padding-top:1.7rem;counter-increment:s}
.steps li::before{content:counter(s);position:absolute;top:0;left:50%;margin-left:-.7rem;width:1.4rem;height:1.4rem;line-height:1.4rem;border-radius:50%;background:#d5dce6;color:#fff;font-weight:700}
.steps li+li::after{content:"";position:absolute;top:.65rem;right:50%;width:calc(100% - 1.4rem);margin-right:.7rem;height:2px;background:#d5dce6}
.steps li.done::before,.steps li.done::after{background:#2e9e5b}.steps li.done::before{content:"\\2713"}
.steps li.now{color:#1d2433;font-weight:600}.steps li.now::before{background:#0b5cad}
.facts th{font-weight:400;color:#5b6578;width:45%}
details summary{cursor:pointer;margin:.8rem 0 0;color:#0b5cad;font-weight:600}
.dispute{border-top:1px solid #e4e8ef;margin-top:1rem}.dispute .filters{margin-top:.5rem}
h1{font-size:1.25rem;margin:.2rem 0 .6rem}
h2.method{font-size:1rem;margin:.8rem 0 .2rem;padding-bottom:.3rem;border-bottom:2px solid #13233f}
header.bar{flex-wrap:wrap;gap:.4rem}
header.bar .actions{display:flex;flex-wrap:wrap;align-items:center;gap:.2rem}
nav.lang{display:inline}
:focus-visible{outline:3px solid #f0a500;outline-offset:2px}
button.danger{background:#fff;color:#a61b1b;border:1px solid #a61b1b}
button.danger:hover{background:#fdecea}
button.secondary{background:#eef2f7;color:#1d2433;border:1px solid #c4ccd8}
nav.side a[aria-current=page]{text-decoration:underline}
td.num,th{white-space:nowrap}
#volume-chart text.today{font-weight:700}
@media (max-width:40rem){input,select,textarea,button{font-size:16px}.scroll table{min-width:40rem}.panel{margin:.5rem;padding:.8rem}.cards>div{min-width:0;flex:1 1 8rem}}
`;
