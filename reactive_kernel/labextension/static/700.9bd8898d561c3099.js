"use strict";(self.rspackChunkreactive_kernel_labextension=self.rspackChunkreactive_kernel_labextension||[]).push([[700],{646(e,r,t){var o=t(601),a=t.n(o),n=t(314),p=(t.n(n))()(a());p.push([e.id,`/* Reactive kernel: cell statuses, cascade plan and progress, dependencies.
   Everything is scoped to notebooks on the \`reactive\` kernel. */

.jp-reactive-notebook .jp-Cell.jp-reactive-cell {
  position: relative;
}

/* -- diagnostics (mutates-foreign ...), between a cell's input and outputs -- */

.jp-reactive-diagnostics {
  margin: 2px 0 2px calc(var(--jp-cell-prompt-width, 64px) + var(--jp-cell-collapser-width, 8px));
  font-family: var(--jp-ui-font-family);
  font-size: var(--jp-ui-font-size1);
  color: var(--jp-ui-font-color1);
}

.jp-reactive-diagnostic-badge {
  display: inline-block;
  padding: 0 6px;
  border-radius: 8px;
  font-weight: 600;
  color: var(--jp-warn-color0);
  background: var(--jp-warn-color3);
  border: 1px solid var(--jp-warn-color2);
}

/* -- status badge, under the execution count in the prompt column -------- */

.jp-reactive-badge {
  position: absolute;
  top: calc(var(--jp-cell-padding, 5px) + 20px);
  left: calc(var(--jp-cell-padding, 5px) + var(--jp-cell-collapser-width, 8px));
  width: calc(var(--jp-cell-prompt-width, 64px) - 8px);
  box-sizing: border-box;
  text-align: right;
  pointer-events: auto;
  user-select: none;
  z-index: 1;
}

.jp-reactive-badge > span {
  display: inline-block;
  padding: 0 4px;
  border-radius: 3px;
  font-family: var(--jp-ui-font-family);
  font-size: 9px;
  line-height: 14px;
  letter-spacing: 0.02em;
  color: var(--jp-ui-font-color2);
  background: var(--jp-layout-color2);
  border: 1px solid var(--jp-border-color2);
}

.jp-reactive-badge[data-status='success'] > span {
  color: var(--jp-success-color1);
  border-color: var(--jp-success-color2);
  background: var(--jp-success-color3);
}

.jp-reactive-badge[data-status='error'] > span,
.jp-reactive-badge[data-status='blocked'] > span {
  color: var(--jp-error-color1);
  border-color: var(--jp-error-color2);
  background: var(--jp-error-color3);
}

.jp-reactive-badge[data-status='stale'] > span {
  color: var(--jp-warn-color1);
  border-color: var(--jp-warn-color2);
  background: var(--jp-warn-color3);
}

.jp-reactive-badge[data-status='queued'] > span,
.jp-reactive-badge[data-status='running'] > span {
  color: var(--jp-brand-color1);
  border-color: var(--jp-brand-color2);
  background: var(--jp-brand-color3);
}

.jp-reactive-badge[data-status='running'] > span {
  animation: jp-reactive-pulse 1s ease-in-out infinite alternate;
}

@keyframes jp-reactive-pulse {
  from {
    opacity: 1;
  }

  to {
    opacity: 0.45;
  }
}

/* -- cells with a problem, and cells a running cascade will run ---------- */

.jp-reactive-notebook .jp-Cell.jp-reactive-status-error .jp-InputPrompt,
.jp-reactive-notebook .jp-Cell.jp-reactive-status-blocked .jp-InputPrompt {
  color: var(--jp-error-color1);
}

.jp-reactive-notebook .jp-Cell.jp-reactive-status-stale .jp-InputArea-editor {
  border-style: dashed;
}

.jp-reactive-notebook .jp-Cell.jp-reactive-planned {
  box-shadow: inset 3px 0 0 var(--jp-brand-color2);
}

.jp-reactive-notebook .jp-Cell.jp-reactive-status-running {
  box-shadow: inset 3px 0 0 var(--jp-brand-color1);
}

/* -- Show Dependencies ----------------------------------------------------- */

.jp-reactive-notebook .jp-Cell.jp-reactive-dep-focus {
  box-shadow: inset 0 0 0 2px var(--jp-brand-color1);
}

.jp-reactive-notebook .jp-Cell.jp-reactive-dep-ancestor {
  background: var(--jp-info-color3, #e1f5fe);
  box-shadow: inset 4px 0 0 var(--jp-info-color1, #0288d1);
}

.jp-reactive-notebook .jp-Cell.jp-reactive-dep-descendant {
  background: var(--jp-warn-color3, #fff3e0);
  box-shadow: inset 4px 0 0 var(--jp-warn-color1, #f57c00);
}

.jp-reactive-notebook .jp-Cell.jp-reactive-dep-ancestor .jp-InputPrompt::after {
  content: ' ↑';
}

.jp-reactive-notebook .jp-Cell.jp-reactive-dep-descendant .jp-InputPrompt::after {
  content: ' ↓';
}

/* -- toolbar progress item ------------------------------------------------ */

.jp-reactive-progress {
  display: flex;
  align-items: center;
  gap: 6px;
  padding: 0 6px;
  font-family: var(--jp-ui-font-family);
  font-size: var(--jp-ui-font-size1);
  color: var(--jp-ui-font-color2);
  white-space: nowrap;
}

.jp-reactive-progress-bar {
  width: 48px;
  height: 6px;
  border-radius: 3px;
  background: var(--jp-layout-color3);
  overflow: hidden;
}

.jp-reactive-progress-fill {
  height: 100%;
  width: 0;
  background: var(--jp-brand-color1);
  transition: width 0.15s ease-out;
}

.jp-reactive-progress[data-state='done'] .jp-reactive-progress-fill {
  background: var(--jp-success-color1);
}

.jp-reactive-progress[data-state='failed'] .jp-reactive-progress-fill {
  background: var(--jp-error-color1);
}

.jp-reactive-progress[data-state='failed'] .jp-reactive-progress-label {
  color: var(--jp-error-color1);
}

/* Expensive notebooks (src/options.ts): disabled and cached cells, lazy mode. */
.jp-reactive-badge[data-status='disabled'] > span {
  background: transparent;
  color: var(--jp-ui-font-color2);
  border: 1px dotted var(--jp-border-color1);
}

.jp-reactive-badge[data-cached='true'] > span {
  background: var(--jp-success-color1);
  color: white;
  font-style: italic;
}

.jp-reactive-notebook .jp-Cell.jp-reactive-status-disabled .jp-InputArea-editor,
.jp-reactive-notebook .jp-Cell.jp-reactive-status-disabled .jp-OutputArea {
  opacity: 0.45;
}

.jp-reactive-notebook .jp-Cell.jp-reactive-status-stale {
  border-left: 3px solid var(--jp-warn-color1);
}

.jp-reactive-lazy-button.jp-reactive-lazy-on {
  font-weight: bold;
  background: var(--jp-layout-color2);
}

/* A markdown cell that interpolates values (PROTOCOL \xa72b): the kernel's
   rendering stands in for the cell's own while the cell is rendered. */
.jp-reactive-interpolated.jp-mod-rendered
  .jp-InputArea
  > .jp-MarkdownOutput:not(.jp-reactive-markdown),
.jp-MarkdownCell:not(.jp-mod-rendered) .jp-reactive-markdown {
  display: none;
}
`,""]),t.d(r,{},{A:p})},314(e){e.exports=function(e){var r=[];return r.toString=function(){return this.map(function(r){var t="",o=void 0!==r[5];return r[4]&&(t+="@supports (".concat(r[4],") {")),r[2]&&(t+="@media ".concat(r[2]," {")),o&&(t+="@layer".concat(r[5].length>0?" ".concat(r[5]):""," {")),t+=e(r),o&&(t+="}"),r[2]&&(t+="}"),r[4]&&(t+="}"),t}).join("")},r.i=function(e,t,o,a,n){"string"==typeof e&&(e=[[null,e,void 0]]);var p={};if(o)for(var c=0;c<this.length;c++){var i=this[c][0];null!=i&&(p[i]=!0)}for(var s=0;s<e.length;s++){var l=[].concat(e[s]);o&&p[l[0]]||(void 0!==n&&(void 0===l[5]||(l[1]="@layer".concat(l[5].length>0?" ".concat(l[5]):""," {").concat(l[1],"}")),l[5]=n),t&&(l[2]&&(l[1]="@media ".concat(l[2]," {").concat(l[1],"}")),l[2]=t),a&&(l[4]?(l[1]="@supports (".concat(l[4],") {").concat(l[1],"}"),l[4]=a):l[4]="".concat(a)),r.push(l))}},r}},601(e){e.exports=function(e){return e[1]}},72(e){var r=[];function t(e){for(var t=-1,o=0;o<r.length;o++)if(r[o].identifier===e){t=o;break}return t}function o(e,o){for(var a={},n=[],p=0;p<e.length;p++){var c=e[p],i=o.base?c[0]+o.base:c[0],s=a[i]||0,l="".concat(i," ").concat(s);a[i]=s+1;var d=t(l),u={css:c[1],media:c[2],sourceMap:c[3],supports:c[4],layer:c[5]};if(-1!==d)r[d].references++,r[d].updater(u);else{var v=function(e,r){var t=r.domAPI(r);return t.update(e),function(r){r?(r.css!==e.css||r.media!==e.media||r.sourceMap!==e.sourceMap||r.supports!==e.supports||r.layer!==e.layer)&&t.update(e=r):t.remove()}}(u,o);o.byIndex=p,r.splice(p,0,{identifier:l,updater:v,references:1})}n.push(l)}return n}e.exports=function(e,a){var n=o(e=e||[],a=a||{});return function(e){e=e||[];for(var p=0;p<n.length;p++){var c=t(n[p]);r[c].references--}for(var i=o(e,a),s=0;s<n.length;s++){var l=t(n[s]);0===r[l].references&&(r[l].updater(),r.splice(l,1))}n=i}}},659(e){var r={};e.exports=function(e,t){var o=function(e){if(void 0===r[e]){var t=document.querySelector(e);if(window.HTMLIFrameElement&&t instanceof window.HTMLIFrameElement)try{t=t.contentDocument.head}catch(e){t=null}r[e]=t}return r[e]}(e);if(!o)throw Error("Couldn't find a style target. This probably means that the value for the 'insert' parameter is invalid.");o.appendChild(t)}},540(e){e.exports=function(e){var r=document.createElement("style");return e.setAttributes(r,e.attributes),e.insert(r,e.options),r}},56(e,r,t){e.exports=function(e){var r=t.nc;r&&e.setAttribute("nonce",r)}},825(e){e.exports=function(e){if("u"<typeof document)return{update:function(){},remove:function(){}};var r=e.insertStyleElement(e);return{update:function(t){var o,a,n;o="",t.supports&&(o+="@supports (".concat(t.supports,") {")),t.media&&(o+="@media ".concat(t.media," {")),(a=void 0!==t.layer)&&(o+="@layer".concat(t.layer.length>0?" ".concat(t.layer):""," {")),o+=t.css,a&&(o+="}"),t.media&&(o+="}"),t.supports&&(o+="}"),(n=t.sourceMap)&&"u">typeof btoa&&(o+="\n/*# sourceMappingURL=data:application/json;base64,".concat(btoa(unescape(encodeURIComponent(JSON.stringify(n))))," */")),e.styleTagTransform(o,r,e.options)},remove:function(){var e;null===(e=r).parentNode||e.parentNode.removeChild(e)}}}},113(e){e.exports=function(e,r){if(r.styleSheet)r.styleSheet.cssText=e;else{for(;r.firstChild;)r.removeChild(r.firstChild);r.appendChild(document.createTextNode(e))}}},959(e,r,t){var o=t(72),a=t.n(o),n=t(825),p=t.n(n),c=t(659),i=t.n(c),s=t(56),l=t.n(s),d=t(540),u=t.n(d),v=t(113),j=t.n(v),b=t(646),f={};f.styleTagTransform=j(),f.setAttributes=l(),f.insert=i().bind(null,"head"),f.domAPI=p(),f.insertStyleElement=u(),a()(b.A,f),b.A&&b.A.locals&&b.A.locals}}]);